// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Gray-failure detectors: see gray.h and Documentation/gray.md. */
#include "gray.h"

#define NOREM		((__u64 *)0)
#define LN2_Q32		2977044472ULL	/* ln(2) * 2^32 */

/* Shift-subtract division: no libgcc helper on 32-bit kernels. */
static __u64 udiv64(__u64 n, __u64 d, __u64 *rem)
{
	__u64 q = 0, r = 0;
	int i;

	if (!d) {
		if (rem)
			*rem = 0;
		return ~0ULL;
	}
	for (i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ULL << i;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

static int msb64(__u64 x)
{
	int n = 0;

	while (x >>= 1)
		n++;
	return n;
}

__u32 gray_log2_q24(__u64 x)
{
	__u64 y;
	__u32 r;
	int n, i;

	if (!x)
		return 0;
	n = msb64(x);
	r = (__u32)n << 24;
	/* mantissa in [1, 2) with 30 fractional bits */
	y = n >= 30 ? x >> (n - 30) : x << (30 - n);
	for (i = 23; i >= 0; i--) {
		y = (y * y) >> 30;
		if (y >= (2ULL << 30)) {
			y >>= 1;
			r |= 1U << i;
		}
	}
	return r;
}

/* ln(a / b), fixed point with GRAY_LLR_SHIFT fractional bits. */
static __s64 ln_ratio(__u64 a, __u64 b)
{
	__u32 la = gray_log2_q24(a), lb = gray_log2_q24(b);
	__u64 m;

	if (la >= lb) {
		m = ((__u64)(la - lb) * LN2_Q32) >> 32;
		return (__s64)m;
	}
	m = ((__u64)(lb - la) * LN2_Q32) >> 32;
	return -(__s64)m;
}

void gray_loss_cfg_default(struct gray_loss_cfg *c)
{
	c->p0_ppb = 10000;		/* 1e-5 */
	c->p1_ppb = 1000000;		/* 1e-3 */
	c->alpha_ppb = 1;		/* 1e-9 */
	c->beta_ppb = 10000000;		/* 1e-2 */
	c->window = 100000;
}

int gray_loss_init(struct gray_loss *d, const struct gray_loss_cfg *c)
{
	__u8 *p = (__u8 *)d;
	__u32 i;

	if (!c->p0_ppb || c->p0_ppb >= c->p1_ppb || c->p1_ppb >= GRAY_PPB ||
	    !c->alpha_ppb || c->alpha_ppb >= GRAY_PPB / 2 ||
	    !c->beta_ppb || c->beta_ppb >= GRAY_PPB / 2 || c->window < 2)
		return -GRAY_EINVAL;
	for (i = 0; i < sizeof(*d); i++)
		p[i] = 0;
	d->w_lost = ln_ratio(c->p1_ppb, c->p0_ppb);
	d->w_ok = ln_ratio(GRAY_PPB - c->p1_ppb, GRAY_PPB - c->p0_ppb);
	d->upper = ln_ratio(GRAY_PPB - c->beta_ppb, c->alpha_ppb);
	d->lower = ln_ratio(c->beta_ppb, GRAY_PPB - c->alpha_ppb);
	d->llr = d->lower;
	d->window = c->window;
	/* p1 - p0 resolves to at least one unit of w_ok: keep it negative */
	if (d->w_ok >= 0)
		d->w_ok = -1;
	return 0;
}

enum gray_event gray_loss_update(struct gray_loss *d, __u32 n, __u32 lost)
{
	enum gray_event ev = GRAY_EV_NONE;

	if (lost > n)
		lost = n;
	if (!n)
		return ev;
	d->n += n;
	d->lost += lost;
	d->win_n += n;
	d->win_lost += lost;
	while (d->win_n >= d->window) {
		d->win_n >>= 1;
		d->win_lost >>= 1;
	}
	d->llr += (__s64)lost * d->w_lost + (__s64)(n - lost) * d->w_ok;
	if (!d->alarm) {
		if (d->llr >= d->upper) {
			d->alarm = 1;
			d->alarms++;
			d->llr = d->upper;
			ev = GRAY_EV_ALARM;
		} else if (d->llr < d->lower) {
			d->llr = d->lower;
		}
	} else {
		if (d->llr <= d->lower) {
			d->alarm = 0;
			d->clears++;
			d->llr = d->lower;
			ev = GRAY_EV_CLEAR;
		} else if (d->llr > d->upper) {
			d->llr = d->upper;
		}
	}
	return ev;
}

__u64 gray_loss_asn(const struct gray_loss *d, __u32 p_ppb)
{
	/* drift per packet, in units of 2^-24 nats per 10^9 packets */
	__s64 up = (__s64)p_ppb * d->w_lost;
	__s64 down = (__s64)(GRAY_PPB - p_ppb) * -d->w_ok;
	__u64 dist = (__u64)(d->upper - d->lower);
	__u64 drift, q, rem;

	if (up <= down)
		return 0;
	drift = (__u64)(up - down);
	/* dist * 10^9 / drift without overflowing: dist < 2^31 */
	q = udiv64(dist * 1000, drift, &rem);
	q = q * 1000000 + udiv64(rem * 1000000, drift, NOREM);
	return q;
}

static __u64 isqrt64(__u64 x)
{
	__u64 r = 0, bit = 1ULL << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* num / den * 10^9 with num <= den, both < 2^62. */
static __u32 to_ppb(__u64 num, __u64 den)
{
	while (num >= (1ULL << 34)) {
		num >>= 1;
		den >>= 1;
	}
	if (!den)
		return 0;
	if (num >= den)
		return GRAY_PPB;
	return (__u32)udiv64(num * GRAY_PPB, den, NOREM);
}

void gray_wilson(__u64 n, __u64 x, __u32 z_milli, struct gray_ratio *r)
{
	__u64 z2, t, rem, rad, s, zs, centre, den;

	r->point = r->lo = 0;
	r->hi = GRAY_PPB;
	if (!n)
		return;
	if (x > n)
		x = n;
	while (n > (1ULL << 30)) {
		n >>= 1;
		x >>= 1;
	}
	if (z_milli > 10000)
		z_milli = 10000;
	r->point = to_ppb(x, n);
	/* everything in Q16 */
	z2 = udiv64((__u64)z_milli * z_milli << 16, 1000000, NOREM);
	t = udiv64(x * (n - x), n, &rem);
	t = (t << 16) + udiv64(rem << 16, n, NOREM);	/* x(n-x)/n */
	rad = t + z2 / 4;
	s = isqrt64(rad << 16);				/* sqrt(rad), Q16 */
	zs = udiv64((__u64)z_milli * s, 1000, NOREM);
	centre = (x << 16) + z2 / 2;
	den = (n << 16) + z2;
	/* exact ends: isqrt's rounding would leave a few ppb there */
	r->lo = x && centre > zs ? to_ppb(centre - zs, den) : 0;
	r->hi = x < n && centre + zs < den ? to_ppb(centre + zs, den) : GRAY_PPB;
}

void gray_loss_estimate(const struct gray_loss *d, __u32 z_milli,
			struct gray_ratio *r)
{
	gray_wilson(d->win_n, d->win_lost, z_milli, r);
}

/* ---- latency ---- */

void gray_lat_cfg_default(struct gray_lat_cfg *c)
{
	c->shift_ns = 50000;
	c->block = 8;
	c->learn = 8;
	c->h_shifts = 4;
	c->clear_blocks = 16;
	c->noise_mult = 3;
}

int gray_lat_init(struct gray_lat *d, const struct gray_lat_cfg *c)
{
	__u8 *p = (__u8 *)d;
	__u32 i;

	if (!c->shift_ns || c->shift_ns > (1U << 30) || !c->block ||
	    c->block > GRAY_LAT_BLOCK_MAX || !c->learn ||
	    c->learn > GRAY_LAT_LEARN_MAX || !c->h_shifts || c->h_shifts > 1000 ||
	    !c->clear_blocks || c->noise_mult > 100)
		return -GRAY_EINVAL;
	for (i = 0; i < sizeof(*d); i++)
		p[i] = 0;
	d->cfg = *c;
	return 0;
}

static void sort_u32(__u32 *v, __u32 n)
{
	__u32 i, j, t;

	for (i = 1; i < n; i++) {
		t = v[i];
		for (j = i; j > 0 && v[j - 1] > t; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

/* Lower median of n values (sorts them). */
static __u32 median(__u32 *v, __u32 n)
{
	sort_u32(v, n);
	return v[(n - 1) / 2];
}

/* |m - baseline|, clipped at twice the shift: a stall moves it little. */
static __u32 lat_dev(const struct gray_lat *d, __u32 m)
{
	__u32 dev = m > d->baseline ? m - d->baseline : d->baseline - m;

	return dev > 2 * d->cfg.shift_ns ? 2 * d->cfg.shift_ns : dev;
}

static void lat_set_k(struct gray_lat *d)
{
	__u64 k = (__u64)d->spread * d->cfg.noise_mult;
	__u32 half = d->cfg.shift_ns / 2;

	d->k = k > half ? (__u32)k : half;
}

static void lat_learn(struct gray_lat *d, __u32 m)
{
	__u32 tmp[GRAY_LAT_LEARN_MAX], i, sum = 0;

	d->learnt[d->n_learnt++] = m;
	if (d->n_learnt < d->cfg.learn)
		return;
	for (i = 0; i < d->n_learnt; i++)
		tmp[i] = d->learnt[i];
	d->baseline = median(tmp, d->n_learnt);
	/* mean absolute deviation; n_learnt <= 16 and each term < 2^31 */
	for (i = 0; i < d->n_learnt; i++)
		sum += lat_dev(d, d->learnt[i]) / d->n_learnt;
	d->spread = sum;
	lat_set_k(d);
}

static enum gray_event lat_block(struct gray_lat *d, __u32 m)
{
	__s64 x, clip = 2 * (__s64)d->cfg.shift_ns;
	__s64 h = (__s64)d->cfg.h_shifts * d->cfg.shift_ns;

	d->blocks++;
	if (d->n_learnt < d->cfg.learn) {
		lat_learn(d, m);
		return GRAY_EV_NONE;
	}
	x = (__s64)m - d->baseline;
	d->shift = x > 0x7fffffff ? 0x7fffffff : x < -0x7fffffff ? -0x7fffffff : (__s32)x;
	/* a single block moves the sum by at most clip - k */
	if (x > clip)
		x = clip;
	d->cusum += x - d->k;
	if (d->cusum < 0)
		d->cusum = 0;
	if (!d->alarm) {
		/* clean: the baseline follows slow drift, 1/8 per block */
		if (!d->cusum) {
			__u32 dev = lat_dev(d, m);

			if (m >= d->baseline)
				d->baseline += (m - d->baseline) >> 3;
			else
				d->baseline -= (d->baseline - m) >> 3;
			if (dev >= d->spread)
				d->spread += (dev - d->spread) >> 4;
			else
				d->spread -= (d->spread - dev) >> 4;
			lat_set_k(d);
		}
		if (d->cusum >= h) {
			d->alarm = 1;
			d->alarms++;
			d->clean_run = 0;
			return GRAY_EV_ALARM;
		}
		return GRAY_EV_NONE;
	}
	if (d->cusum > h)
		d->cusum = h;
	if ((__s64)m - d->baseline < (__s64)d->k)
		d->clean_run++;
	else
		d->clean_run = 0;
	if (d->clean_run >= d->cfg.clear_blocks) {
		d->alarm = 0;
		d->clears++;
		d->cusum = 0;
		return GRAY_EV_CLEAR;
	}
	return GRAY_EV_NONE;
}

enum gray_event gray_lat_sample(struct gray_lat *d, __u32 rtt_ns, __u32 flags)
{
	__u32 tmp[GRAY_LAT_BLOCK_MAX], i, n;

	if (flags & GRAY_F_STALL) {
		d->stalls++;
		return GRAY_EV_NONE;
	}
	d->samples++;
	d->blk[d->n_blk++] = rtt_ns;
	if (d->n_blk < d->cfg.block)
		return GRAY_EV_NONE;
	n = d->n_blk;
	for (i = 0; i < n; i++)
		tmp[i] = d->blk[i];
	d->n_blk = 0;
	return lat_block(d, median(tmp, n));
}
