/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* fabricctl int's report, also for fabricctl replay --int (int.c). */
#ifndef FABRICCTL_REPLAY_INT_H
#define FABRICCTL_REPLAY_INT_H

#include "fabricctl.h"
#include "int_telemetry.h"

int ctl_int_show(struct ctl *ctl, const struct fint_maps *m);

/*
 * replay --int[=PORT]: the replay's data path becomes an INT sink on PORT
 * (default 4792), so that it decodes and records the INT in the capture;
 * its report follows the flows (with -j, it replaces them).
 */
int replay_int_setup(struct fabric_dp *dp, const char *port);
int replay_int_report(struct ctl *ctl, struct fabric_dp *dp);

#endif
