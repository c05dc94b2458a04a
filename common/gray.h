/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Gray-failure detectors: statistics on the evidence a path gives, for
 * links that stay up but lose a little or slow down.
 *
 *  - gray_loss: a sequential probability ratio test (Wald) on lost versus
 *    delivered packets, H0 "clean" (loss p0) against H1 "lossy" (loss p1),
 *    run continuously: the log-likelihood ratio is held at the H0 bound
 *    while clean (so a long clean history does not delay detection) and
 *    at the H1 bound while alarmed (so recovery takes a bounded time).
 *  - gray_wilson: the Wilson score interval of a loss ratio, for export.
 *  - gray_lat: a latency-shift detector on RTT samples: medians of small
 *    blocks (a stall outlier moves a median by one rank, not by its size),
 *    a learned baseline, and a one-sided CUSUM of the block medians'
 *    excess over it.
 *
 * Documentation/gray.md has the statistics and the
 * knobs. Like common/failover.c this compiles into userspace, the unit
 * tests and (freestanding) a kernel module: no libc, no kernel headers,
 * no floating point, no 64-bit division, no allocation; the caller
 * serialises calls on one detector. Probabilities are integers in parts
 * per billion (ppb), log-likelihoods fixed point with GRAY_LLR_SHIFT
 * fractional bits (natural log), times in ns.
 */
#ifndef FABRIC_GRAY_H
#define FABRIC_GRAY_H

#include "fabric_types.h"

#define GRAY_PPB		1000000000U
#define GRAY_LLR_SHIFT		24
#define GRAY_LLR_ONE		(1LL << GRAY_LLR_SHIFT)
#define GRAY_EINVAL		22

/* What an update concluded. */
enum gray_event {
	GRAY_EV_NONE,
	GRAY_EV_ALARM,		/* H1 accepted: the path is lossy / slow */
	GRAY_EV_CLEAR,		/* after an alarm, H0 accepted again */
};

/* ---- loss: SPRT ---- */

struct gray_loss_cfg {
	__u32	p0_ppb;		/* loss of a clean path (H0), e.g. 10000 = 1e-5 */
	__u32	p1_ppb;		/* loss to detect (H1), e.g. 1000000 = 1e-3 */
	__u32	alpha_ppb;	/* false alarm probability per test, e.g. 1 */
	__u32	beta_ppb;	/* miss probability per test, e.g. 10000000 = 1% */
	__u32	window;		/* decayed counts for the export estimate:
				 * halved when the sample count reaches this */
};

struct gray_loss {
	__s64	w_lost;		/* LLR of one lost packet, > 0 */
	__s64	w_ok;		/* LLR of one delivered packet, < 0 */
	__s64	upper;		/* ln((1 - beta) / alpha) */
	__s64	lower;		/* ln(beta / (1 - alpha)) */
	__s64	llr;		/* in [lower, upper] */
	__u32	window;
	__u8	alarm;
	__u8	pad[3];
	__u64	n, lost;	/* totals */
	__u64	win_n, win_lost;	/* decayed, for gray_loss_estimate() */
	__u64	alarms, clears;
};

/* Defaults (the values above, window 100000). */
void gray_loss_cfg_default(struct gray_loss_cfg *c);
/* -GRAY_EINVAL unless 0 < p0 < p1 < 10^9 and 0 < alpha, beta < 10^9 / 2. */
int gray_loss_init(struct gray_loss *d, const struct gray_loss_cfg *c);
/*
 * @n packets (probes, or a flow's packets) of which @lost were lost.
 * Stall-discounted misses are not evidence: leave them out of both.
 */
enum gray_event gray_loss_update(struct gray_loss *d, __u32 n, __u32 lost);
/* Packets a clean detector needs, at least, to alarm at loss ratio
 * @p_ppb (the SPRT's expected sample number from the H0 bound), or 0 when
 * that loss never alarms on average. For documentation and tuning. */
__u64 gray_loss_asn(const struct gray_loss *d, __u32 p_ppb);

/* Loss ratio estimate of the decayed window, ppb: point and Wilson bounds. */
struct gray_ratio {
	__u32	point, lo, hi;
};
void gray_loss_estimate(const struct gray_loss *d, __u32 z_milli,
			struct gray_ratio *r);
/*
 * Wilson score interval for @x successes in @n trials, z in thousandths
 * (1960 for 95%, 2576 for 99%). n is scaled down to 2^30 if larger.
 */
void gray_wilson(__u64 n, __u64 x, __u32 z_milli, struct gray_ratio *r);

/* ---- latency: block medians + CUSUM ---- */

#define GRAY_LAT_BLOCK_MAX	16
#define GRAY_LAT_LEARN_MAX	16
#define GRAY_F_STALL		0x1U	/* stall-discounted: not evidence */

struct gray_lat_cfg {
	__u32	shift_ns;	/* smallest shift to detect, e.g. 50000 */
	__u32	block;		/* samples per block median, 1..16 (8) */
	__u32	learn;		/* blocks whose median forms the baseline (8) */
	__u32	h_shifts;	/* alarm when CUSUM >= h_shifts * shift (4) */
	__u32	clear_blocks;	/* clean blocks in a row that clear (16) */
	__u32	noise_mult;	/* reference k = max(shift / 2, noise_mult *
				 * spread), spread the mean absolute deviation
				 * of clean block medians (3) */
};

struct gray_lat {
	struct gray_lat_cfg cfg;
	__u32	blk[GRAY_LAT_BLOCK_MAX];
	__u32	learnt[GRAY_LAT_LEARN_MAX];
	__u32	n_blk, n_learnt;
	__u32	baseline;	/* ns, valid once n_learnt == cfg.learn */
	__u32	k;		/* CUSUM reference, ns */
	__u32	spread;		/* mean |block median - baseline|, clean, ns */
	__s64	cusum;		/* ns */
	__s32	shift;		/* last block median - baseline, ns */
	__u32	clean_run;
	__u8	alarm;
	__u8	pad[3];
	__u64	samples, stalls, blocks, alarms, clears;
};

void gray_lat_cfg_default(struct gray_lat_cfg *c);
int gray_lat_init(struct gray_lat *d, const struct gray_lat_cfg *c);
enum gray_event gray_lat_sample(struct gray_lat *d, __u32 rtt_ns, __u32 flags);

/* log2(x) with 24 fractional bits, x >= 1 (0 for x == 0). */
__u32 gray_log2_q24(__u64 x);

#endif
