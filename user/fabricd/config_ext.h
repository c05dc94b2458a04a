/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * How fabric.conf's sections and keys are defined. Each section lives in a
 * file of its own (config_core.c, config_group.c, config_path.c, ...) and
 * registers itself with FCFG_SECTION(); keys are rows of a table registered
 * with FCFG_KEYS(). A table may add keys to any section, including one
 * defined in another file, so a new key or a new section needs a new file
 * and, for its values, one member in struct fabricd_config (config.h):
 *
 *	static const struct fcfg_key my_keys[] = {
 *		{ "thresholds", "my_ms", FCFG_U32, FCFG_FIELD(my.ms), 1, 1000,
 *		  "an integer from 1 to 1000 (milliseconds)" },
 *	};
 *	FCFG_KEYS(my_keys, 100);
 *
 * fabricd links every .c file of user/fabricd, and the linker gathers the
 * registrations (sections "fcfg_sections" and "fcfg_keytabs"), so no list
 * elsewhere needs editing. The loader (config_load.c) runs the inih parse,
 * typed keys, the "set twice" and "did you mean" messages, then each
 * section's validate hook; errors go through fcfg_err().
 */
#ifndef FABRICD_CONFIG_EXT_H
#define FABRICD_CONFIG_EXT_H

#include <stddef.h>

#include "config.h"

#define FCFG_MAX_KEYS		256	/* all tables together */
#define FCFG_MAX_SECTIONS	32
#define FCFG_ITEM_KEYS		16	/* scratch "seen" lines for set() */

struct fcfg_parse;
struct fcfg_key;

enum fcfg_key_type {
	FCFG_U32,	/* min..max */
	FCFG_STR,	/* non-empty text shorter than size */
	FCFG_ABSPATH,	/* FCFG_STR starting with '/' */
	FCFG_PMTU,	/* 0 or a power of two from 256 to 4096 */
	FCFG_BOOL,	/* on/yes/1 or off/no/0, into a bool */
	FCFG_ENUM,	/* one of choices[], its index into a __u32 */
	FCFG_FUNC,	/* set() below */
};

/*
 * FCFG_FUNC: store v at field. Return 0 on success, -1 to report
 * "expected <what>, got <v>[: <why>]", 1 if it reported its own errors.
 */
typedef int (*fcfg_set_fn)(struct fcfg_parse *p, const struct fcfg_key *k,
			   void *field, const char *v, char *why, size_t whylen);

struct fcfg_key {
	const char		*sec;	/* section name, "thresholds" */
	const char		*name;
	enum fcfg_key_type	type;
	size_t			off;	/* into fabricd_config, or the item */
	size_t			size;
	__u32			min, max;
	const char		*what;	/* completes "expected ..." */
	fcfg_set_fn		set;		/* FCFG_FUNC */
	const char *const	*choices;	/* FCFG_ENUM, NULL-terminated */
};

/* Fields of struct fabricd_config; of the item for named sections. */
#define FCFG_FIELD(f)	offsetof(struct fabricd_config, f), \
			sizeof(((struct fabricd_config *)0)->f)
#define FCFG_ITEM(type, f) offsetof(type, f), sizeof(((type *)0)->f)

struct fcfg_keytab {
	const struct fcfg_key	*keys;
	int			n;
	int			order;	/* tables of one section, in order */
	const char		*file;	/* ties */
};

struct fcfg_section {
	const char	*name;
	int		order;		/* in lists and in validation */
	/*
	 * Named sections ([group NAME]): begin() returns the item whose
	 * fields the keys' offsets address, or NULL after reporting why
	 * (the section's keys are then ignored).
	 */
	void		*(*begin)(struct fcfg_parse *p, const char *name);
	/* Keys outside the tables; return false for an unknown key. */
	bool		(*set)(struct fcfg_parse *p, const char *key, const char *v);
	const char *const *set_keys;	/* set()'s keys, NULL-terminated */
	void		(*defaults)(struct fabricd_config *c);
	/* Cross-key rules, once the whole file is read. */
	void		(*validate)(struct fcfg_parse *p);
	void		(*free)(struct fabricd_config *c);
};

struct fcfg_parse {
	struct fabricd_config		*c;
	struct fcfg_errors		*errs;
	FILE				*f;
	int				line;
	const struct fcfg_section	*sec;	/* NULL: none yet, or bad */
	bool				bad;	/* an invalid header */
	char				label[FCFG_NAME_MAX + 48];	/* "[group g]" */
	void				*item;	/* named section's */
	int				item_line[FCFG_ITEM_KEYS];	/* for set() */
	int				seen[FCFG_MAX_KEYS];
};

#define FCFG_SECTION(s)							\
	static const struct fcfg_section *const __fcfg_sec_##s		\
	__attribute__((used, section("fcfg_sections"))) = &s

#define FCFG_KEYS(tab, ord)						\
	static const struct fcfg_keytab __fcfg_kt_##tab = {		\
		tab, sizeof(tab) / sizeof(tab[0]), ord, __FILE__ };	\
	static const struct fcfg_keytab *const __fcfg_ktp_##tab		\
	__attribute__((used, section("fcfg_keytabs"))) = &__fcfg_kt_##tab

/* "FILE:LINE: " and the message; line 0 names the file only. */
void fcfg_err(struct fcfg_parse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *fcfg_closest(const char *word, const char *const *cands, int n);
int fcfg_parse_u32(const char *v, __u32 min, __u32 max, __u32 *out);
int fcfg_parse_bool(const char *v, bool *out);
bool fcfg_valid_name(const char *s);
/* For set(): report "set twice" and return true, or note the line. */
bool fcfg_twice(struct fcfg_parse *p, int *seen, const char *name);
/* The line a table key was set on, 0 if it was not. */
int fcfg_key_line(const struct fcfg_parse *p, const char *sec, const char *name);

/* The loader's own (config_load.c, config_keys.c, config_errors.c). */
struct fcfg_registry {
	const struct fcfg_section	*sec[FCFG_MAX_SECTIONS];
	const char			*sec_name[FCFG_MAX_SECTIONS];
	int				n_sec;
	const struct fcfg_key		*key[FCFG_MAX_KEYS];
	int				n_keys;
	int				overflow;	/* keys left out */
};

const struct fcfg_registry *fcfg_registry(void);
void fcfg_set_key(struct fcfg_parse *p, const char *name, const char *v);
void fcfg_errors_sort(struct fcfg_errors *e);

#endif
