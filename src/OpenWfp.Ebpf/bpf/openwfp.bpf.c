// SPDX-License-Identifier: MIT
/*
 * ALE_AUTH_CONNECT_V4/V6 in the kernel (docs/DATAPLANE.md, "The eBPF data plane"): cgroup sock_addr programs at
 * connect() and at sendmsg() with an address decide with the layer's kernel form. BLOCK returns 0, so the call fails
 * with EPERM before anything is sent; PERMIT and NO_MATCH return 1; ASK returns 1 and sets wfpd's "ask" bit in the
 * socket's mark so the NFQUEUE data plane classifies the connection in user space (callouts, non-kernel fields).
 */
#include "kform.h"
#include <bpf/bpf_endian.h>

/* include/uapi/asm-generic/socket.h */
#define SOL_SOCKET 1
#define SO_MARK 36

/* include/uapi/linux/in.h, include/linux/socket.h */
#define AF_INET 2
#define AF_INET6 10

/* FWPS_LAYER_ALE_AUTH_CONNECT_V4 / _V6 (fwpsk.h), for events of a layer that has no form yet. */
#define FWPS_LAYER_ALE_AUTH_CONNECT_V4 48
#define FWPS_LAYER_ALE_AUTH_CONNECT_V6 50

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* One kernel decision, for the net event log (mirrored by src/OpenWfp.Ebpf/KernelMaps.cs). */
struct kf_event {
	__u64 time_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 filter_id;
	struct kf_addr laddr;
	struct kf_addr raddr;
	__u32 pid;
	__u32 uid;
	__u32 app;
	__u16 layer_id;
	__u16 lport;
	__u16 rport;
	__u8 verdict;
	__u8 ip_version;
	__u8 proto;
	__u8 known;
	__u8 pad[6];
};

_Static_assert(sizeof(struct kf_event) == 80, "kf_event is mirrored by KernelMaps.cs");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} openwfp_events SEC(".maps");

static __always_inline void kf_event(const struct kf_input *in, const struct kf_result *res, __u8 ip_version, __u16 fallback_layer)
{
	__u32 zero = 0;
	struct kf_config *cfg = bpf_map_lookup_elem(&openwfp_config, &zero);
	if (!cfg)
		return;
	__u32 want = res->verdict == KF_BLOCK ? KF_EVENTS_BLOCK : KF_EVENTS_ALLOW;
	if (!(cfg->events & want))
		return;
	struct kf_event *e = bpf_ringbuf_reserve(&openwfp_events, sizeof(*e), 0);
	if (!e) {
		kf_count(KF_STAT_RINGBUF_DROPS);
		return;
	}
	e->time_ns = bpf_ktime_get_ns();
	e->filter_id = res->filter_id;
	e->laddr = in->laddr;
	e->raddr = in->raddr;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->app = in->app;
	e->layer_id = res->layer_id ? (__u16)res->layer_id : fallback_layer;
	e->lport = in->lport;
	e->rport = in->rport;
	e->verdict = (__u8)res->verdict;
	e->ip_version = ip_version;
	e->proto = in->proto;
	e->known = in->known;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	bpf_ringbuf_submit(e, 0);
}

/* Sets the ask bit in the socket's mark, keeping the bits other users own. */
static __always_inline void kf_mark_ask(struct bpf_sock_addr *ctx)
{
	__u32 zero = 0;
	struct kf_config *cfg = bpf_map_lookup_elem(&openwfp_config, &zero);
	if (!cfg || !cfg->ask_mark)
		return;
	struct bpf_sock *sk = ctx->sk;
	if (!sk)
		return;
	int mark = (int)((sk->mark & ~cfg->mark_mask) | cfg->ask_mark);
	if (bpf_setsockopt(ctx, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)))
		kf_count(KF_STAT_MARK_FAILURES);
}

static __always_inline int kf_act(struct bpf_sock_addr *ctx, __u32 slot, struct kf_input *in, __u8 ip_version, __u16 layer)
{
	struct kf_result res;
	kf_current_app(in);
	kform_decide(slot, in, &res);
	if (res.verdict == KF_ASK) {
		kf_mark_ask(ctx);
		return 1;
	}
	kf_event(in, &res, ip_version, layer);
	return res.verdict == KF_BLOCK ? 0 : 1;
}

static __always_inline void kf_local_v4(struct bpf_sock_addr *ctx, struct kf_input *in)
{
	struct bpf_sock *sk = ctx->sk;
	if (!sk)
		return;
	__u32 src = sk->src_ip4;
	if (src) {
		in->laddr.lo = bpf_ntohl(src);
		in->known |= KF_BIT(KF_LOCAL_ADDR);
	}
	__u32 port = sk->src_port; /* host order in struct bpf_sock */
	if (port) {
		in->lport = (__u16)port;
		in->known |= KF_BIT(KF_LOCAL_PORT);
	}
}

static __always_inline int kf_v4(struct bpf_sock_addr *ctx)
{
	struct kf_input in = {};
	in.raddr.lo = bpf_ntohl(ctx->user_ip4);
	in.rport = bpf_ntohs((__u16)ctx->user_port);
	in.proto = (__u8)ctx->protocol;
	in.known = KF_BIT(KF_REMOTE_ADDR) | KF_BIT(KF_REMOTE_PORT) | KF_BIT(KF_PROTOCOL);
	kf_local_v4(ctx, &in);
	return kf_act(ctx, KF_SLOT_AUTH_CONNECT_V4, &in, 4, FWPS_LAYER_ALE_AUTH_CONNECT_V4);
}

static __always_inline __u64 kf_be64(__u32 a, __u32 b)
{
	return ((__u64)bpf_ntohl(a) << 32) | bpf_ntohl(b);
}

/*
 * An IPv6 socket connecting to an IPv4-mapped address (::ffff:a.b.c.d) sends IPv4: it is classified at the V4 layer
 * with the IPv4 address, as the packets it sends would be.
 */
static __always_inline int kf_v6(struct bpf_sock_addr *ctx)
{
	struct kf_input in = {};
	__u32 r0 = ctx->user_ip6[0], r1 = ctx->user_ip6[1], r2 = ctx->user_ip6[2], r3 = ctx->user_ip6[3];
	int mapped = r0 == 0 && r1 == 0 && r2 == bpf_htonl(0xffff);
	in.rport = bpf_ntohs((__u16)ctx->user_port);
	in.proto = (__u8)ctx->protocol;
	in.known = KF_BIT(KF_REMOTE_ADDR) | KF_BIT(KF_REMOTE_PORT) | KF_BIT(KF_PROTOCOL);
	struct bpf_sock *sk = ctx->sk;
	if (mapped) {
		in.raddr.lo = bpf_ntohl(r3);
		if (sk) {
			__u32 l0 = sk->src_ip6[0], l1 = sk->src_ip6[1], l2 = sk->src_ip6[2], l3 = sk->src_ip6[3];
			if (l0 == 0 && l1 == 0 && l2 == bpf_htonl(0xffff) && l3) {
				in.laddr.lo = bpf_ntohl(l3);
				in.known |= KF_BIT(KF_LOCAL_ADDR);
			}
		}
	} else {
		in.raddr.hi = kf_be64(r0, r1);
		in.raddr.lo = kf_be64(r2, r3);
		if (sk) {
			__u32 l0 = sk->src_ip6[0], l1 = sk->src_ip6[1], l2 = sk->src_ip6[2], l3 = sk->src_ip6[3];
			if (l0 | l1 | l2 | l3) {
				in.laddr.hi = kf_be64(l0, l1);
				in.laddr.lo = kf_be64(l2, l3);
				in.known |= KF_BIT(KF_LOCAL_ADDR);
			}
		}
	}
	if (sk) {
		__u32 port = sk->src_port;
		if (port) {
			in.lport = (__u16)port;
			in.known |= KF_BIT(KF_LOCAL_PORT);
		}
	}
	if (mapped)
		return kf_act(ctx, KF_SLOT_AUTH_CONNECT_V4, &in, 4, FWPS_LAYER_ALE_AUTH_CONNECT_V4);
	return kf_act(ctx, KF_SLOT_AUTH_CONNECT_V6, &in, 6, FWPS_LAYER_ALE_AUTH_CONNECT_V6);
}

SEC("cgroup/connect4")
int openwfp_connect4(struct bpf_sock_addr *ctx)
{
	return kf_v4(ctx);
}

SEC("cgroup/connect6")
int openwfp_connect6(struct bpf_sock_addr *ctx)
{
	return kf_v6(ctx);
}

SEC("cgroup/sendmsg4")
int openwfp_sendmsg4(struct bpf_sock_addr *ctx)
{
	return kf_v4(ctx);
}

SEC("cgroup/sendmsg6")
int openwfp_sendmsg6(struct bpf_sock_addr *ctx)
{
	return kf_v6(ctx);
}

/*
 * kform_decide for tests: BPF_PROG_TEST_RUN of this raw tracepoint program (never attached) evaluates the input in
 * openwfp_test_io[0] at the slot it names and writes the result back, so a test can hold the kernel's evaluator to
 * the C# one without sockets. wfpd does not load it.
 */
struct kf_test_io {
	struct kf_input in;
	struct kf_result out;
	__u32 slot;
	__u32 pad;
};

_Static_assert(sizeof(struct kf_test_io) == 80, "kf_test_io is mirrored by KernelMaps.cs");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kf_test_io);
} openwfp_test_io SEC(".maps");

SEC("raw_tp/sys_enter")
int openwfp_test_decide(void *ctx)
{
	__u32 zero = 0;
	struct kf_test_io *io = bpf_map_lookup_elem(&openwfp_test_io, &zero);
	if (!io)
		return 0;
	struct kf_input in = io->in;
	struct kf_result res;
	kform_decide(io->slot, &in, &res);
	io->out = res;
	return 0;
}
