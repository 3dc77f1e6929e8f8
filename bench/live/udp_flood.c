/* udp_flood: sends fixed-size UDP datagrams to ADDR:PORT as fast as it can, for at most --seconds and at most
 * --count datagrams, then prints what it sent. Load generator for the per-packet benchmark (run.sh); the receiver
 * (udp_sink) does the counting that matters, because packets a filter drops are still "sent" here. */
#include "bench_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void usage(void)
{
    fprintf(stderr, "usage: udp_flood ADDR PORT [--size BYTES] [--seconds S] [--count N]\n"
                    "  payload size 1..65000 (default 64), seconds 0.1..600 (default 5), count 1..1e10 (default 1e9)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        usage();
    }
    size_t size = 64;
    double seconds = 5;
    uint64_t count = 1000000000ull;
    for (int i = 3; i < argc; i++) {
        if (i + 1 >= argc) {
            usage();
        }
        if (strcmp(argv[i], "--size") == 0) {
            size = (size_t)parse_num("size", argv[++i], 1, 65000);
        } else if (strcmp(argv[i], "--seconds") == 0) {
            seconds = parse_num("seconds", argv[++i], 0.1, 600);
        } else if (strcmp(argv[i], "--count") == 0) {
            count = (uint64_t)parse_num("count", argv[++i], 1, 1e10);
        } else {
            usage();
        }
    }

    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)parse_num("port", argv[2], 1, 65535)) };
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
        fprintf(stderr, "bad IPv4 address '%s'\n", argv[1]);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        perror("socket/connect");
        return 1;
    }
    /* Queued packets keep their send-buffer charge until a verdict, so send() can block; a send timeout keeps the
     * deadline honoured even when the consumer stalls. */
    struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

    char *buf = calloc(1, size);
    if (buf == NULL) {
        return 1;
    }
    uint64_t start = now_ns(), deadline = start + (uint64_t)(seconds * 1e9);
    uint64_t sent = 0, errors = 0, n = 0;
    while (n < count) {
        /* Reading the clock every datagram would cost more than the send on this VM; every 256 is enough. */
        if ((n & 255) == 0 && now_ns() >= deadline) {
            break;
        }
        n++;
        if (send(fd, buf, size, 0) == (ssize_t)size) {
            sent++;
        } else {
            errors++;
        }
    }
    double elapsed = (double)(now_ns() - start) / 1e9;
    printf("sent=%llu errors=%llu seconds=%.3f pps=%.0f\n", (unsigned long long)sent, (unsigned long long)errors, elapsed,
           (double)sent / elapsed);
    free(buf);
    close(fd);
    return 0;
}
