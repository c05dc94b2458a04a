// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * roce-gen sender: what each flow sends next (requests, go-back-N resends,
 * injected PSN gaps, ACK/NAK/CNP control packets), built in place and
 * handed to the kernel in one sendmmsg batch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "roce-gen-send.h"

/* What one built packet will count for once the kernel accepted it. */
struct rg_meta {
	uint8_t		kind;
	uint8_t		ecn;
	uint8_t		syndrome;
	bool		read;
	bool		rewind_start;
	uint32_t	missing;
	uint32_t	len;
};

/* The control schedule: kinds interleaved round robin. */
int rg_send_build_ctl(struct rg_sender *s)
{
	struct rg_opts *o = &s->o;
	uint32_t left[RG_MAX_NAK_KINDS], acks = o->acks, cnps = o->cnps, total;
	bool more = true;

	total = acks + cnps;
	for (int i = 0; i < o->nak_kinds; i++) {
		left[i] = o->naks[i].count;
		total += left[i];
	}
	if (total > RG_MAX_CTL) {
		fprintf(stderr, "roce-gen: more than %d control packets per flow\n",
			RG_MAX_CTL);
		return -EINVAL;
	}
	s->ctl = calloc(total ? total : 1, sizeof(*s->ctl));
	if (!s->ctl)
		return -ENOMEM;
	while (more) {
		more = false;
		if (acks) {
			s->ctl[s->nctl++] = (struct rg_ctl){ RG_PKT_ACK, 0x1f };
			more |= --acks > 0;
		}
		for (int i = 0; i < o->nak_kinds; i++) {
			if (!left[i])
				continue;
			s->ctl[s->nctl++] = (struct rg_ctl){ RG_PKT_ACK,
							     o->naks[i].syndrome };
			more |= --left[i] > 0;
		}
		if (cnps) {
			s->ctl[s->nctl++] = (struct rg_ctl){ RG_PKT_CNP, 0 };
			more |= --cnps > 0;
		}
	}
	return 0;
}

static enum rg_op flow_op(const struct rg_sender *s, const struct rg_flow *f)
{
	return s->o.op == RG_OP_MIX ? (enum rg_op)(f->op_cycle % 3) : s->o.op;
}

/*
 * Decide and describe the next packet of @f. Returns false when the flow
 * has nothing left to send. The flow's generator state advances here; its
 * statistics only when the kernel accepted the packet (commit_meta).
 */
static bool next_packet(struct rg_sender *s, struct rg_flow *f,
			struct rg_pkt_desc *d, struct rg_meta *m)
{
	const struct rg_opts *o = &s->o;
	enum rg_op op;

	memset(d, 0, sizeof(*d));
	memset(m, 0, sizeof(*m));
	d->qp = f->qp;

	if (f->resend_left) {
		const struct rg_sent *e =
			&f->ring[(f->ring_count - f->resend_left) % RG_MAX_REWIND];

		d->opcode = e->opcode;
		d->psn = e->psn;
		d->read_len = e->read_len;
		d->payload = o->payload;
		m->kind = RG_PKT_RESEND;
		m->rewind_start = f->rewind_start;
		f->rewind_start = false;
		f->resend_left--;
		goto out;
	}

	if (f->ctl_sent < s->nctl &&
	    (!o->packets ||
	     f->requests >= (uint64_t)(f->ctl_sent + 1) * o->packets / (s->nctl + 1))) {
		const struct rg_ctl *c = &s->ctl[f->ctl_sent++];

		m->kind = c->kind;
		d->psn = (f->psn - 1) & ROCE_PSN_MASK;
		if (c->kind == RG_PKT_CNP) {
			d->opcode = ROCE_OPCODE_CNP;
			d->psn = 0;
		} else {
			d->opcode = ROCE_OP_ACKNOWLEDGE;
			d->syndrome = c->syndrome;
			m->syndrome = c->syndrome;
			d->msn = f->msn;
		}
		goto out;
	}

	if (o->packets && f->requests >= o->packets)
		return false;

	/* a request */
	if (o->gap_every && f->requests && f->requests % o->gap_every == 0)
		f->gap_pending = true;
	/*
	 * A tracker that does not know the path MTU cannot tell a gap right
	 * after a READ from the PSNs the READ consumed: inject it one
	 * request later (unless every request is a READ).
	 */
	if (f->gap_pending && (!f->last_was_read || o->op == RG_OP_READ)) {
		f->psn = (f->psn + o->gap_n) & ROCE_PSN_MASK;
		m->missing = o->gap_n;
		f->gap_pending = false;
	}
	op = flow_op(s, f);
	d->psn = f->psn;
	d->payload = o->payload;
	m->kind = RG_PKT_REQUEST;
	switch (op) {
	case RG_OP_READ:
		d->opcode = ROCE_OP_READ_REQUEST;
		d->read_len = o->read_len;
		d->ack_req = true;
		m->read = true;
		f->psn += o->read_len ? (o->read_len + o->pmtu - 1) / o->pmtu : 1;
		f->msg_idx = 0;
		f->op_cycle++;
		f->msn++;
		break;
	default:
		d->opcode = op == RG_OP_SEND ?
			    rg_send_opcode(f->msg_idx, o->msg_pkts) :
			    rg_write_opcode(f->msg_idx, o->msg_pkts);
		f->psn++;
		if (++f->msg_idx >= o->msg_pkts) {
			d->ack_req = true;
			f->msg_idx = 0;
			f->op_cycle++;
			f->msn++;
		}
		break;
	}
	f->psn &= ROCE_PSN_MASK;
	f->last_was_read = m->read;
	f->ring[f->ring_count++ % RG_MAX_REWIND] = (struct rg_sent){
		.psn = d->psn, .read_len = d->read_len, .opcode = d->opcode,
	};
	f->requests++;
	if (o->rewind_every && o->rewind_n && f->requests % o->rewind_every == 0) {
		f->resend_left = o->rewind_n < f->ring_count ? o->rewind_n :
							       f->ring_count;
		f->rewind_start = true;
	}
out:
	m->ecn = o->ecn;
	if (o->ce_every && f->seq % o->ce_every == o->ce_every - 1)
		m->ecn = 3;
	f->seq++;
	return true;
}

static void commit_meta(const struct rg_sender *s, struct rg_flow *f,
			const struct rg_meta *m)
{
	struct rg_stats *st = &f->st;

	st->packets++;
	st->bytes += m->len + s->wire_extra;
	if (m->ecn == 3)
		st->ce++;
	else if (m->ecn)
		st->ect++;
	switch (m->kind) {
	case RG_PKT_REQUEST:
		st->requests++;
		st->read_requests += m->read;
		if (m->missing) {
			st->gaps++;
			st->missing += m->missing;
		}
		break;
	case RG_PKT_RESEND:
		st->resent++;
		st->dups++;
		st->rewinds += m->rewind_start;
		break;
	case RG_PKT_CNP:
		st->cnp++;
		break;
	case RG_PKT_ACK:
		switch (m->syndrome >> 5) {
		case ROCE_AETH_ACK:
			st->acks++;
			break;
		case ROCE_AETH_RNR_NAK:
			st->naks++;
			st->naks_rnr++;
			break;
		case ROCE_AETH_NAK:
			st->naks++;
			if ((m->syndrome & 0x1f) == ROCE_NAK_PSN_SEQ_ERR)
				st->naks_seq++;
			else
				st->naks_other++;
			break;
		default:	/* reserved class: counted as neither */
			break;
		}
		break;
	}
}

/* Build up to @max packets of @f and send them; returns packets built. */
uint32_t rg_send_burst(struct rg_sender *s, struct rg_flow *f, uint32_t max)
{
	struct mmsghdr msgs[RG_MAX_BURST];
	struct iovec iov[RG_MAX_BURST];
	struct rg_meta meta[RG_MAX_BURST];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf[RG_MAX_BURST];
	struct rg_pkt_desc d;
	uint32_t n = 0, off = 0;
	int retries = 0;

	while (n < max && next_packet(s, f, &d, &meta[n])) {
		uint8_t *buf = s->bufs + (size_t)n * RG_MAX_PKT;
		struct msghdr *mh = &msgs[n].msg_hdr;

		meta[n].len = rg_build(buf, RG_MAX_PKT, &d);
		iov[n] = (struct iovec){ buf, meta[n].len };
		*mh = (struct msghdr){
			.msg_name = &s->o.dst.ss, .msg_namelen = s->o.dst.len,
			.msg_iov = &iov[n], .msg_iovlen = 1,
		};
		if (s->o.ce_every) {
			struct cmsghdr *cm;

			mh->msg_control = cbuf[n].buf;
			mh->msg_controllen = sizeof(cbuf[n].buf);
			cm = CMSG_FIRSTHDR(mh);
			cm->cmsg_level = s->o.dst.family == AF_INET ? IPPROTO_IP :
								      IPPROTO_IPV6;
			cm->cmsg_type = s->o.dst.family == AF_INET ? IP_TOS :
								     IPV6_TCLASS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			*(int *)CMSG_DATA(cm) = meta[n].ecn;
		}
		n++;
	}
	if (!n) {
		f->done = true;
		return 0;
	}

	while (off < n) {
		int r = sendmmsg(f->fd, msgs + off, n - off, 0);

		if (r > 0) {
			for (int i = 0; i < r; i++)
				commit_meta(s, f, &meta[off + i]);
			off += r;
			continue;
		}
		if (errno == EINTR)
			continue;
		if ((errno == ENOBUFS || errno == EAGAIN) && retries++ < 100) {
			usleep(50);
			continue;
		}
		/* e.g. no route during a failover: count it, go on */
		f->st.send_errors++;
		off++;
	}
	return n;
}
