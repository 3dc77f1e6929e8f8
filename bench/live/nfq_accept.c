/* nfq_accept: the smallest useful NFQUEUE consumer, accepting every packet. It is the C baseline for the per-packet
 * benchmark: whatever wfpd costs beyond this is wfpd's own work. Verdict per packet by default; --batch sends one
 * batch verdict for every run of packets read before the socket would block (Suricata's flush-on-EAGAIN), and at
 * most every BATCH_MAX packets so no packet waits long. Stops on SIGTERM/SIGINT or after --seconds. */
#include "bench_util.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH_MAX 256
#define SOL_NETLINK_LEVEL 270 /* SOL_NETLINK, linux/socket.h */
#define NETLINK_NO_ENOBUFS_OPT 5 /* NETLINK_NO_ENOBUFS, linux/netlink.h */

static volatile sig_atomic_t s_stop;
static int s_batch;
static uint32_t s_last_id;
static unsigned s_pending;
static uint64_t s_packets, s_verdicts, s_verdict_errors;

static void on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void flush_batch(struct nfq_q_handle *qh)
{
    if (s_pending == 0) {
        return;
    }
    if (nfq_set_verdict_batch(qh, s_last_id, NF_ACCEPT) < 0) {
        s_verdict_errors++;
    }
    s_verdicts++;
    s_pending = 0;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data)
{
    (void)msg;
    (void)data;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    if (ph == NULL) {
        return 0;
    }
    uint32_t id = ntohl(ph->packet_id);
    s_packets++;
    if (s_batch) {
        s_last_id = id;
        if (++s_pending >= BATCH_MAX) {
            flush_batch(qh);
        }
        return 0;
    }
    if (nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL) < 0) {
        s_verdict_errors++;
    }
    s_verdicts++;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: nfq_accept QUEUE [--batch] [--seconds S] [--copy BYTES] [--maxlen N]\n"
                    "  defaults: per-packet verdicts, seconds 600 (max 3600), copy 65535, maxlen 8192\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage();
    }
    uint16_t queue = (uint16_t)parse_num("queue", argv[1], 0, 65535);
    double seconds = 600;
    uint32_t copy = 0xffff, maxlen = 8192;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--batch") == 0) {
            s_batch = 1;
        } else if (i + 1 < argc && strcmp(argv[i], "--seconds") == 0) {
            seconds = parse_num("seconds", argv[++i], 0.1, 3600);
        } else if (i + 1 < argc && strcmp(argv[i], "--copy") == 0) {
            copy = (uint32_t)parse_num("copy", argv[++i], 0, 65535);
        } else if (i + 1 < argc && strcmp(argv[i], "--maxlen") == 0) {
            maxlen = (uint32_t)parse_num("maxlen", argv[++i], 1, 1 << 20);
        } else {
            usage();
        }
    }

    /* No SA_RESTART: a signal must interrupt the blocking receive so the loop sees s_stop. */
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    struct nfq_handle *h = nfq_open();
    if (h == NULL) {
        perror("nfq_open");
        return 1;
    }
    struct nfq_q_handle *qh = nfq_create_queue(h, queue, on_packet, NULL);
    if (qh == NULL) {
        perror("nfq_create_queue (queue taken, or no CAP_NET_ADMIN?)");
        nfq_close(h);
        return 1;
    }
    if (nfq_set_mode(qh, NFQNL_COPY_PACKET, copy) < 0 || nfq_set_queue_maxlen(qh, maxlen) < 0) {
        perror("nfq_set_mode/maxlen");
        return 1;
    }
    /* Same settings as the figures in DATAPLANE.md §5.1: GSO super-packets unsegmented, 8 MiB receive buffer,
     * and no ENOBUFS errors (overload shows up as queue drops in /proc/net/netfilter/nfnetlink_queue instead). */
    nfq_set_queue_flags(qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO);
    nfnl_rcvbufsiz(nfq_nfnlh(h), 8u << 20);
    int fd = nfq_fd(h);
    int one = 1;
    setsockopt(fd, SOL_NETLINK_LEVEL, NETLINK_NO_ENOBUFS_OPT, &one, sizeof one);
    struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    printf("bound queue %u (%s verdicts)\n", queue, s_batch ? "batch" : "per-packet");
    fflush(stdout);

    static char buf[256 * 1024] __attribute__((aligned));
    uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9);
    while (!s_stop && now_ns() < deadline) {
        ssize_t n = recv(fd, buf, sizeof buf, s_batch ? MSG_DONTWAIT : 0);
        if (n > 0) {
            nfq_handle_packet(h, buf, (int)n);
            continue;
        }
        if (s_batch && n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            flush_batch(qh);
            struct pollfd p = { .fd = fd, .events = POLLIN };
            poll(&p, 1, 100);
        }
    }
    flush_batch(qh);
    printf("packets=%llu verdict_messages=%llu verdict_errors=%llu\n", (unsigned long long)s_packets,
           (unsigned long long)s_verdicts, (unsigned long long)s_verdict_errors);
    nfq_destroy_queue(qh);
    nfq_close(h);
    return 0;
}
