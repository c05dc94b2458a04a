/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* epoll tags of fabricd's one event loop. */
#ifndef FABRICD_LOOP_H
#define FABRICD_LOOP_H

enum {
	TAG_SIGNAL = 1,
	TAG_TIMER,
	TAG_LISTEN,
	TAG_RINGBUF,
	TAG_INT,		/* INT probe timer (int.c) */
	TAG_FO = 50,		/* + failover fd index (< FO_MAX_FDS) */
	TAG_CLIENT = 100,	/* + client slot */
};

#endif
