/* connrate: new-TCP-connection rate and connect() latency.
 *   connrate server PORT [--seconds S]          accept loop: accept(), close(), for at most S seconds
 *   connrate client ADDR PORT [--seconds S] [--max N]
 *       sequential socket()+connect()+close() for S seconds or N connections, whichever comes first; prints the
 *       rate and the median/p99 of the time connect() took (SYN out to SYN-ACK in, plus syscall overhead),
 *       measured with CLOCK_MONOTONIC. A filter that holds the SYN in user space adds its delay to that time.
 * The client closes with SO_LINGER 0 (RST) so that no TIME_WAIT state piles up: at ~75k connections/s the
 * ephemeral port range would otherwise be exhausted in under a second. */
#include "bench_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void usage(void)
{
    fprintf(stderr, "usage: connrate server PORT [--seconds S]\n"
                    "       connrate client ADDR PORT [--seconds S] [--max N]\n"
                    "  seconds 0.1..3600 (server default 600, client default 5); max 1..20000000 (default 5000000)\n");
    exit(2);
}

static int run_server(uint16_t port, double seconds)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&me, sizeof me) != 0 || listen(lfd, 4096) != 0) {
        perror("server socket/bind/listen");
        return 1;
    }
    /* The accept timeout lets the loop check its deadline when no client comes. */
    struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
    setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    printf("listening on %u\n", port);
    fflush(stdout);
    uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9), accepted = 0;
    while (now_ns() < deadline) {
        int c = accept(lfd, NULL, NULL);
        if (c >= 0) {
            accepted++;
            close(c);
        }
    }
    printf("accepted=%llu\n", (unsigned long long)accepted);
    close(lfd);
    return 0;
}

static int run_client(const char *addr, uint16_t port, double seconds, size_t max)
{
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (inet_pton(AF_INET, addr, &to.sin_addr) != 1) {
        fprintf(stderr, "bad IPv4 address '%s'\n", addr);
        return 2;
    }
    uint32_t *lat = malloc(max * sizeof *lat);
    if (lat == NULL) {
        return 1;
    }
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    /* connect() on a blocking socket honours SO_SNDTIMEO: a dropped SYN costs 1 s, not the SYN retry series. */
    struct timeval tv = { .tv_sec = 1, .tv_usec = 0 };
    size_t n = 0;
    uint64_t failures = 0, start = now_ns(), deadline = start + (uint64_t)(seconds * 1e9);
    int last_errno = 0;
    while (n < max && now_ns() < deadline) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            perror("socket");
            break;
        }
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        uint64_t t0 = now_ns();
        int rc = connect(fd, (struct sockaddr *)&to, sizeof to);
        uint64_t t1 = now_ns();
        if (rc == 0) {
            uint64_t d = t1 - t0;
            lat[n++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
        } else {
            last_errno = errno;
            failures++;
        }
        close(fd);
        if (failures > 1000 && failures > n) {
            break; /* the path is broken; more tries only burn the time budget */
        }
    }
    double elapsed = (double)(now_ns() - start) / 1e9;
    qsort(lat, n, sizeof *lat, cmp_u32);
    printf("connections=%zu failures=%llu seconds=%.3f rate=%.0f median_us=%.1f p99_us=%.1f max_us=%.1f%s%s\n", n,
           (unsigned long long)failures, elapsed, (double)n / elapsed, percentile_sorted(lat, n, 50) / 1e3,
           percentile_sorted(lat, n, 99) / 1e3, n ? lat[n - 1] / 1e3 : 0.0, last_errno ? " last_error=" : "",
           last_errno ? strerror(last_errno) : "");
    free(lat);
    return n > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "server") == 0) {
        double seconds = 600;
        for (int i = 3; i < argc; i++) {
            if (i + 1 < argc && strcmp(argv[i], "--seconds") == 0) {
                seconds = parse_num("seconds", argv[++i], 0.1, 3600);
            } else {
                usage();
            }
        }
        return run_server((uint16_t)parse_num("port", argv[2], 1, 65535), seconds);
    }
    if (argc >= 4 && strcmp(argv[1], "client") == 0) {
        double seconds = 5;
        size_t max = 5000000;
        for (int i = 4; i < argc; i++) {
            if (i + 1 < argc && strcmp(argv[i], "--seconds") == 0) {
                seconds = parse_num("seconds", argv[++i], 0.1, 3600);
            } else if (i + 1 < argc && strcmp(argv[i], "--max") == 0) {
                max = (size_t)parse_num("max", argv[++i], 1, 20000000);
            } else {
                usage();
            }
        }
        return run_client(argv[2], (uint16_t)parse_num("port", argv[3], 1, 65535), seconds, max);
    }
    usage();
    return 2;
}
