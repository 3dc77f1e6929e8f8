/* udp_sink: receives UDP datagrams on PORT and prints the receive rate over a fixed window. The window starts
 * --warmup seconds after the first datagram (so sender start-up and queue binding do not count) and lasts
 * --seconds. Gives up after --wait seconds without a first datagram. */
#define _GNU_SOURCE
#include "bench_util.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64

static void usage(void)
{
    fprintf(stderr, "usage: udp_sink PORT [--seconds S] [--warmup S] [--wait S]\n"
                    "  defaults: seconds 5, warmup 0.5, wait 10 (all 0..600)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage();
    }
    double seconds = 5, warmup = 0.5, wait = 10;
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc) {
            usage();
        }
        if (strcmp(argv[i], "--seconds") == 0) {
            seconds = parse_num("seconds", argv[++i], 0.1, 600);
        } else if (strcmp(argv[i], "--warmup") == 0) {
            warmup = parse_num("warmup", argv[++i], 0, 600);
        } else if (strcmp(argv[i], "--wait") == 0) {
            wait = parse_num("wait", argv[++i], 0.1, 600);
        } else {
            usage();
        }
    }

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons((uint16_t)parse_num("port", argv[1], 1, 65535)) };
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) != 0) {
        perror("socket/bind");
        return 1;
    }
    /* Large buffer so the sink is never the bottleneck being measured; FORCE passes rmem_max (we are root). */
    int rcvbuf = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    /* A short receive timeout lets every loop check its deadline. */
    struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    static char bufs[BATCH][2048];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = sizeof bufs[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    printf("ready\n");
    fflush(stdout);
    uint64_t give_up = now_ns() + (uint64_t)(wait * 1e9);
    uint64_t first = 0, win_start = 0, win_end = 0, counted = 0, total = 0;
    for (;;) {
        uint64_t t = now_ns();
        if (first == 0 && t >= give_up) {
            printf("received=0 pps=0 error=no-datagram-within-%gs\n", wait);
            return 1;
        }
        if (first != 0 && t >= win_end) {
            break;
        }
        int n = recvmmsg(fd, msgs, BATCH, 0, NULL);
        if (n <= 0) {
            continue;
        }
        t = now_ns();
        if (first == 0) {
            first = t;
            win_start = first + (uint64_t)(warmup * 1e9);
            win_end = win_start + (uint64_t)(seconds * 1e9);
        }
        total += (uint64_t)n;
        if (t >= win_start && t < win_end) {
            counted += (uint64_t)n;
        }
    }
    printf("received=%llu total=%llu seconds=%.3f pps=%.0f\n", (unsigned long long)counted, (unsigned long long)total,
           seconds, (double)counted / seconds);
    close(fd);
    return 0;
}
