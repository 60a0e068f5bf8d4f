/* Loopback link figures for bench/pool-rpc.ts, measured in C so the runtime adds nothing:
 * one-way latency from 64-byte TCP round trips (TCP_NODELAY, as ggml-rpc sets), and the
 * bandwidth of a 256 MiB one-way send answered by a one-byte ack. Prints: latency_us bytes_per_sec */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TRIPS 20000
#define SMALL 64
#define BULK (256L * 1024 * 1024)
#define CHUNK (1 << 20)

static int port_fd;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static void full(int fd, char *buf, long n, int rd) {
  for (long done = 0; done < n;) {
    long k = rd ? read(fd, buf + done, n - done) : write(fd, buf + done, n - done);
    if (k <= 0) { perror("io"); exit(1); }
    done += k;
  }
}
static void nodelay(int fd) { int one = 1; setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); }

static void *serve(void *arg) {
  (void)arg;
  int fd = accept(port_fd, NULL, NULL);
  nodelay(fd);
  char small[SMALL];
  for (int i = 0; i < TRIPS + 1000; i++) { full(fd, small, SMALL, 1); full(fd, small, SMALL, 0); }
  char *chunk = malloc(CHUNK);
  for (long done = 0; done < BULK; done += CHUNK) full(fd, chunk, CHUNK, 1);
  full(fd, small, 1, 0);
  close(fd);
  return NULL;
}

int main(void) {
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  port_fd = socket(AF_INET, SOCK_STREAM, 0);
  if (bind(port_fd, (struct sockaddr *)&addr, sizeof addr) || listen(port_fd, 1)) { perror("listen"); return 1; }
  socklen_t len = sizeof addr;
  getsockname(port_fd, (struct sockaddr *)&addr, &len);
  pthread_t thread;
  pthread_create(&thread, NULL, serve, NULL);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr)) { perror("connect"); return 1; }
  nodelay(fd);
  char small[SMALL] = {0};
  for (int i = 0; i < 1000; i++) { full(fd, small, SMALL, 0); full(fd, small, SMALL, 1); }
  double t0 = now();
  for (int i = 0; i < TRIPS; i++) { full(fd, small, SMALL, 0); full(fd, small, SMALL, 1); }
  double latency = (now() - t0) / TRIPS / 2;
  char *chunk = calloc(1, CHUNK);
  t0 = now();
  for (long done = 0; done < BULK; done += CHUNK) full(fd, chunk, CHUNK, 0);
  full(fd, small, 1, 1);
  double bandwidth = BULK / (now() - t0);
  pthread_join(thread, NULL);
  printf("%.3f %.0f\n", latency * 1e6, bandwidth);
  return 0;
}
