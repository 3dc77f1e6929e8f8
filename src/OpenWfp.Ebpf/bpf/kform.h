/* SPDX-License-Identifier: MIT */
/*
 * The kernel-form evaluator shared by OpenWfp's BPF programs: the maps that hold each layer's kernel form and
 * kform_decide(), which implements the algorithm of docs/KERNEL-FORM.md ("The algorithm") step for step.
 *
 * Layout (docs/DATAPLANE.md, "The eBPF data plane"): a layer's form lives in three inner maps, each found through
 * an ARRAY_OF_MAPS indexed by the layer's slot (KF_SLOT_*):
 *   openwfp_kf_meta    -> ARRAY[1] of struct kf_meta    (generation, flags, the tuples and their masks)
 *   openwfp_kf_buckets -> HASH  struct kf_bucket_key -> struct kf_bucket (a run of rules in openwfp_kf_rules)
 *   openwfp_kf_rules   -> ARRAY of struct kf_rule; entry 0 is the generation stamp, rules start at 1
 * User space builds a whole new set of inner maps per commit and then swaps the three outer entries; a program that
 * sees inner maps of different generations (it ran between two of the three swaps) answers ASK and counts it.
 *
 * Every struct here is mirrored byte for byte by src/OpenWfp.Ebpf/KernelMaps.cs.
 */
#ifndef OPENWFP_KFORM_H
#define OPENWFP_KFORM_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Bounds of docs/KERNEL-FORM.md, "The index". */
#define KF_MAX_TUPLES 64
#define KF_MAX_BUCKET_RULES 64
#define KF_MAX_SUBLAYERS 32
#define KF_MAX_RULES 262144

/* Layer slots: the index of a layer's form in the outer maps. */
#define KF_SLOT_AUTH_CONNECT_V4 0
#define KF_SLOT_AUTH_CONNECT_V6 1
#define KF_SLOT_AUTH_RECV_ACCEPT_V4 2
#define KF_SLOT_AUTH_RECV_ACCEPT_V6 3
#define KF_SLOT_RESOURCE_ASSIGNMENT_V4 4
#define KF_SLOT_RESOURCE_ASSIGNMENT_V6 5
#define KF_SLOT_AUTH_LISTEN_V4 6
#define KF_SLOT_AUTH_LISTEN_V6 7
#define KF_SLOTS 16

/* Kernel fields (docs/KERNEL-FORM.md, "What the kernel can see"); bit f of a known / fields mask is field f. */
#define KF_LOCAL_ADDR 0
#define KF_REMOTE_ADDR 1
#define KF_LOCAL_PORT 2
#define KF_REMOTE_PORT 3
#define KF_PROTOCOL 4
#define KF_APP 5
#define KF_BIT(f) (1u << (f))
#define KF_ALL_FIELDS 0x3f

/* kform_decide's verdicts. */
#define KF_NO_MATCH 0
#define KF_PERMIT 1
#define KF_BLOCK 2
#define KF_ASK 3

/* A rule's action. */
#define KF_ACT_PERMIT 1
#define KF_ACT_HARD_PERMIT 2
#define KF_ACT_BLOCK 3
#define KF_ACT_ASK 4

/* Why a decision is ASK (the stats index is KF_STAT_ASK_BASE + reason). */
#define KF_ASK_RULE 0      /* the deciding sublayer's best rule is an ASK rule (callout, non-kernel field, ...) */
#define KF_ASK_MAYBE 1     /* the best rule constrains a field this classification does not know */
#define KF_ASK_UNKNOWN 2   /* a non-empty tuple is keyed on a field this classification does not know */
#define KF_ASK_ALL 3       /* the layer is ask-all (a bound was exceeded) */
#define KF_ASK_NO_FORM 4   /* no form installed for the layer yet */
#define KF_ASK_GENERATION 5 /* inner maps of two generations seen (a swap was under way) */
#define KF_ASK_REASONS 6

/* Per-CPU counters (openwfp_stats). */
#define KF_STAT_NO_MATCH 0
#define KF_STAT_PERMIT 1
#define KF_STAT_BLOCK 2
#define KF_STAT_ASK 3
#define KF_STAT_ASK_BASE 4 /* 4..9: ASK by reason */
#define KF_STAT_RINGBUF_DROPS 10
#define KF_STAT_MARK_FAILURES 11
#define KF_STATS 16

/* kf_meta.flags */
#define KF_META_ASK_ALL 1

/* An address as a 128-bit number in host order: IPv4 in lo (hi = 0). */
struct kf_addr {
	__u64 hi;
	__u64 lo;
};

/* One classification's kernel fields; a field whose bit is clear in known is unknown (its value is 0). */
struct kf_input {
	struct kf_addr laddr;
	struct kf_addr raddr;
	__u32 app;
	__u16 lport;
	__u16 rport;
	__u8 proto;
	__u8 known;
	__u8 pad[6];
};

struct kf_rule {
	struct kf_addr laddr_lo;
	struct kf_addr laddr_hi;
	struct kf_addr raddr_lo;
	struct kf_addr raddr_hi;
	__u64 filter_id; /* entry 0: the generation */
	__u32 rank;
	__u32 app;
	__u16 lport_lo;
	__u16 lport_hi;
	__u16 rport_lo;
	__u16 rport_hi;
	__u8 proto_lo;
	__u8 proto_hi;
	__u8 sublayer;
	__u8 action;
	__u8 fields; /* constrained fields */
	__u8 pad[3];
};

/* A tuple as masks (the prefix lengths already turned into masks by user space). */
struct kf_tuple {
	struct kf_addr lmask;
	struct kf_addr rmask;
	__u32 app_mask;
	__u16 lport_mask;
	__u16 rport_mask;
	__u8 proto_mask;
	__u8 needs; /* fields whose length is above 0 */
	__u8 nonempty;
	__u8 pad[5];
};

struct kf_meta {
	__u64 generation;
	__u32 layer_id; /* FWPS_LAYER_* run-time id */
	__u32 flags;
	__u32 n_tuples;
	__u32 n_sublayers;
	__u32 n_rules;
	__u32 ask_reason; /* for an ask-all layer: the form's reason, reported by user space */
	struct kf_tuple tuples[KF_MAX_TUPLES];
};

/* tuple == KF_GENERATION_KEY: the generation stamp (first = low 32 bits, count = high 32 bits). */
#define KF_GENERATION_KEY 0xffffffffu

struct kf_bucket_key {
	__u32 tuple;
	__u32 app;
	__u16 lport;
	__u16 rport;
	__u8 proto;
	__u8 pad[3];
	struct kf_addr laddr;
	struct kf_addr raddr;
};

struct kf_bucket {
	__u32 first;
	__u32 count;
};

_Static_assert(sizeof(struct kf_input) == 48, "kf_input is mirrored by KernelMaps.cs");
_Static_assert(sizeof(struct kf_rule) == 96, "kf_rule is mirrored by KernelMaps.cs");
_Static_assert(sizeof(struct kf_tuple) == 48, "kf_tuple is mirrored by KernelMaps.cs");
_Static_assert(sizeof(struct kf_meta) == 32 + 48 * KF_MAX_TUPLES, "kf_meta is mirrored by KernelMaps.cs");
_Static_assert(sizeof(struct kf_bucket_key) == 48, "kf_bucket_key is mirrored by KernelMaps.cs");

/* The running data plane's settings (openwfp_config[0]). */
struct kf_config {
	__u32 ask_mark;   /* SO_MARK bit set on a socket whose connect was ASK */
	__u32 mark_mask;  /* every mark bit wfpd owns; others' bits are kept */
	__u32 events;     /* KF_EVENTS_*: which decisions go to the ring buffer */
	__u32 pad;
};

#define KF_EVENTS_BLOCK 1
#define KF_EVENTS_ALLOW 2

/* (device, inode) of an executable: device in the kernel's encoding (major << 20 | minor). */
struct kf_exec_id {
	__u32 dev;
	__u32 pad;
	__u64 ino;
};

/* Inner map templates by size: clang leaves struct types only declared in BTF inside an __array() of .maps. */
struct kf_inner_meta {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct kf_meta));
};

struct kf_inner_buckets {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct kf_bucket_key));
	__uint(value_size, sizeof(struct kf_bucket));
};

struct kf_inner_rules {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct kf_rule));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, KF_SLOTS);
	__type(key, __u32);
	__array(values, struct kf_inner_meta);
} openwfp_kf_meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, KF_SLOTS);
	__type(key, __u32);
	__array(values, struct kf_inner_buckets);
} openwfp_kf_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, KF_SLOTS);
	__type(key, __u32);
	__array(values, struct kf_inner_rules);
} openwfp_kf_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KF_STATS);
	__type(key, __u32);
	__type(value, __u64);
} openwfp_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kf_config);
} openwfp_config SEC(".maps");

/* tgid -> the (device, inode) of the image it runs; filled at exec (identity.bpf.c) and seeded from /proc. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct kf_exec_id);
} openwfp_exec SEC(".maps");

/* (device, inode) -> app number of the current forms' app table; filled by user space per generation. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct kf_exec_id);
	__type(value, __u32);
} openwfp_apps SEC(".maps");

static __always_inline void kf_count(__u32 index)
{
	__u64 *c = bpf_map_lookup_elem(&openwfp_stats, &index);
	if (c)
		*c += 1;
}

/*
 * The calling process's app number: known as 0 when its image names no app of the forms, unknown when its image is
 * not recorded (it exec'd before the exec tracking started and was not seeded), so rules on APP answer ASK for it.
 */
static __always_inline void kf_current_app(struct kf_input *in)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct kf_exec_id *id = bpf_map_lookup_elem(&openwfp_exec, &tgid);
	if (!id)
		return;
	struct kf_exec_id key = { .dev = id->dev, .ino = id->ino };
	__u32 *app = bpf_map_lookup_elem(&openwfp_apps, &key);
	in->app = app ? *app : 0;
	in->known |= KF_BIT(KF_APP);
}

static __always_inline int kf_addr_le(const struct kf_addr *a, const struct kf_addr *b)
{
	return a->hi < b->hi || (a->hi == b->hi && a->lo <= b->lo);
}

/* The state the tuple and rule loops share (bpf_loop callbacks get it by pointer). */
struct kf_eval {
	const struct kf_input *in;
	struct kf_meta *meta;
	void *buckets;
	void *rules;
	struct kf_bucket_key key;
	__u32 first;
	__u32 ask;      /* 1 + an ASK reason when a tuple forced ASK */
	/* per sublayer: 0 = none, else the best rule's index, KF_BEST_MAYBE set when it matched only as MAYBE */
	__u32 best[KF_MAX_SUBLAYERS];
};

#define KF_BEST_MAYBE 0x80000000u
#define KF_BEST_INDEX 0x7fffffffu

/* match(r, input): 0 = NO, 1 = YES, 2 = MAYBE (docs/KERNEL-FORM.md, "The algorithm"). */
static __always_inline int kf_match(const struct kf_rule *r, const struct kf_input *in)
{
	__u8 fields = r->fields;
	__u8 missing = fields & ~in->known;
	__u8 test = fields & in->known;
	if ((test & KF_BIT(KF_PROTOCOL)) && (in->proto < r->proto_lo || in->proto > r->proto_hi))
		return 0;
	if ((test & KF_BIT(KF_REMOTE_PORT)) && (in->rport < r->rport_lo || in->rport > r->rport_hi))
		return 0;
	if ((test & KF_BIT(KF_LOCAL_PORT)) && (in->lport < r->lport_lo || in->lport > r->lport_hi))
		return 0;
	if ((test & KF_BIT(KF_APP)) && in->app != r->app)
		return 0;
	if ((test & KF_BIT(KF_REMOTE_ADDR)) && !(kf_addr_le(&r->raddr_lo, &in->raddr) && kf_addr_le(&in->raddr, &r->raddr_hi)))
		return 0;
	if ((test & KF_BIT(KF_LOCAL_ADDR)) && !(kf_addr_le(&r->laddr_lo, &in->laddr) && kf_addr_le(&in->laddr, &r->laddr_hi)))
		return 0;
	return missing ? 2 : 1;
}

static long kf_rule_step(__u64 i, void *data)
{
	struct kf_eval *ev = data;
	__u32 index = ev->first + (__u32)i;
	struct kf_rule *r = bpf_map_lookup_elem(ev->rules, &index);
	if (!r)
		return 1;
	int m = kf_match(r, ev->in);
	if (m == 0)
		return 0;
	__u32 s = r->sublayer;
	if (s >= KF_MAX_SUBLAYERS)
		return 0;
	__u32 best = ev->best[s];
	if (best) {
		__u32 held = best & KF_BEST_INDEX;
		struct kf_rule *b = bpf_map_lookup_elem(ev->rules, &held);
		if (b && b->rank <= r->rank)
			return 0;
	}
	ev->best[s] = index | (m == 2 ? KF_BEST_MAYBE : 0);
	return 0;
}

static long kf_tuple_step(__u64 i, void *data)
{
	struct kf_eval *ev = data;
	if (i >= KF_MAX_TUPLES)
		return 1;
	const struct kf_tuple *t = &ev->meta->tuples[i];
	const struct kf_input *in = ev->in;
	if (!t->nonempty)
		return 0;
	if (t->needs & ~in->known) {
		ev->ask = 1 + KF_ASK_UNKNOWN;
		return 1;
	}
	ev->key.tuple = (__u32)i;
	ev->key.app = in->app & t->app_mask;
	ev->key.lport = in->lport & t->lport_mask;
	ev->key.rport = in->rport & t->rport_mask;
	ev->key.proto = in->proto & t->proto_mask;
	ev->key.laddr.hi = in->laddr.hi & t->lmask.hi;
	ev->key.laddr.lo = in->laddr.lo & t->lmask.lo;
	ev->key.raddr.hi = in->raddr.hi & t->rmask.hi;
	ev->key.raddr.lo = in->raddr.lo & t->rmask.lo;
	struct kf_bucket *b = bpf_map_lookup_elem(ev->buckets, &ev->key);
	if (!b)
		return 0;
	__u32 count = b->count;
	if (count > KF_MAX_BUCKET_RULES)
		count = KF_MAX_BUCKET_RULES;
	ev->first = b->first;
	bpf_loop(count, kf_rule_step, ev, 0);
	return 0;
}

/* The generation of a rules array (its entry 0) and of a buckets hash (its KF_GENERATION_KEY entry), or 0. */
static __always_inline __u64 kf_rules_generation(void *rules)
{
	__u32 zero = 0;
	struct kf_rule *r = bpf_map_lookup_elem(rules, &zero);
	return r ? r->filter_id : 0;
}

static __always_inline __u64 kf_buckets_generation(void *buckets)
{
	struct kf_bucket_key key = { .tuple = KF_GENERATION_KEY };
	struct kf_bucket *b = bpf_map_lookup_elem(buckets, &key);
	return b ? ((__u64)b->count << 32) | b->first : 0;
}

struct kf_result {
	__u64 filter_id;
	__u32 verdict;    /* KF_NO_MATCH, KF_PERMIT, KF_BLOCK, KF_ASK */
	__u32 ask_reason; /* for KF_ASK */
	__u32 layer_id;
	__u32 pad;
};

_Static_assert(sizeof(struct kf_result) == 24, "kf_result is mirrored by KernelMaps.cs");

/*
 * docs/KERNEL-FORM.md, "The algorithm": the best rule per sublayer over every tuple's bucket, then WFP arbitration
 * over the sublayers in order. Counts the decision in openwfp_stats. A global function: the verifier checks it once
 * for any input instead of once per caller's state, which keeps every program's load time short.
 */
__attribute__((noinline)) int kform_decide(__u32 slot, const struct kf_input *in, struct kf_result *out)
{
	struct kf_eval ev = {};
	__u32 zero = 0;
	if (!in || !out)
		return KF_ASK;
	out->filter_id = 0;
	out->layer_id = 0;
	out->verdict = KF_ASK;
	out->ask_reason = KF_ASK_NO_FORM;

	void *meta_map = bpf_map_lookup_elem(&openwfp_kf_meta, &slot);
	void *buckets = bpf_map_lookup_elem(&openwfp_kf_buckets, &slot);
	void *rules = bpf_map_lookup_elem(&openwfp_kf_rules, &slot);
	if (!meta_map || !buckets || !rules)
		goto done;
	struct kf_meta *meta = bpf_map_lookup_elem(meta_map, &zero);
	if (!meta)
		goto done;
	out->layer_id = meta->layer_id;
	__u64 generation = meta->generation;
	if (kf_rules_generation(rules) != generation || kf_buckets_generation(buckets) != generation) {
		out->ask_reason = KF_ASK_GENERATION;
		goto done;
	}
	if (meta->flags & KF_META_ASK_ALL) {
		out->ask_reason = KF_ASK_ALL;
		goto done;
	}

	ev.in = in;
	ev.meta = meta;
	ev.buckets = buckets;
	ev.rules = rules;
	__u32 n_tuples = meta->n_tuples;
	if (n_tuples > KF_MAX_TUPLES)
		n_tuples = KF_MAX_TUPLES;
	bpf_loop(n_tuples, kf_tuple_step, &ev, 0);
	if (ev.ask) {
		out->ask_reason = ev.ask - 1;
		goto done;
	}

	__u32 action = KF_NO_MATCH;
	__u64 filter = 0;
	int write = 1;
	__u32 n_sublayers = meta->n_sublayers;
	for (__u32 s = 0; s < KF_MAX_SUBLAYERS; s++) {
		if (s >= n_sublayers)
			break;
		__u32 best = ev.best[s];
		if (!best)
			continue;
		if (best & KF_BEST_MAYBE) {
			out->ask_reason = KF_ASK_MAYBE;
			goto done;
		}
		__u32 index = best & KF_BEST_INDEX;
		struct kf_rule *r = bpf_map_lookup_elem(rules, &index);
		if (!r)
			continue;
		if (r->action == KF_ACT_ASK) {
			out->ask_reason = KF_ASK_RULE;
			goto done;
		}
		if (write) {
			__u32 a = r->action == KF_ACT_BLOCK ? KF_BLOCK : KF_PERMIT;
			int hard = r->action != KF_ACT_PERMIT;
			if (action != a || hard)
				filter = r->filter_id;
			action = a;
			if (hard)
				write = 0;
		}
	}
	out->verdict = action;
	out->filter_id = filter;
	out->ask_reason = 0;
	kf_count(action == KF_BLOCK ? KF_STAT_BLOCK : action == KF_PERMIT ? KF_STAT_PERMIT : KF_STAT_NO_MATCH);
	return action;

done:
	kf_count(KF_STAT_ASK);
	kf_count(KF_STAT_ASK_BASE + (out->ask_reason < KF_ASK_REASONS ? out->ask_reason : 0));
	return KF_ASK;
}

#endif
