/* SPDX-License-Identifier: GPL-2.0 */
/* The "fabric" genetlink family's internals, shared by genl*.c. */
#ifndef FABRIC_KMOD_GENL_H
#define FABRIC_KMOD_GENL_H

#include <net/genetlink.h>

#include "fabric.h"

extern struct genl_family fabric_family;

/* genl_policy.c: the family's attribute policies */
extern const struct nla_policy fabric_policy[FABRIC_A_MAX + 1];
extern const struct nla_policy fabric_member_policy[FABRIC_MEMBER_A_MAX + 1];
extern const struct nla_policy fabric_route_policy[FABRIC_ROUTE_A_MAX + 1];
extern const struct nla_policy fabric_cfg_policy[FABRIC_CFG_MAX + 1];
int fabric_parse_config(struct fabric_fo_config *cfg, const struct nlattr *nest,
			struct netlink_ext_ack *extack);
int fabric_put_config(struct sk_buff *skb, const struct fabric_fo_config *c);

/* genl_group.c: GROUP_ADD, GROUP_DEL, GROUP_GET */
int fabric_cmd_group_add(struct sk_buff *skb, struct genl_info *info);
int fabric_cmd_group_del(struct sk_buff *skb, struct genl_info *info);
int fabric_cmd_group_get(struct sk_buff *skb, struct genl_info *info);
int fabric_dump_groups(struct sk_buff *skb, struct netlink_callback *cb);

#endif
