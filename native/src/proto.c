/* Framed messages: on fd 3 (a stream socket to TypeScript) and on the internal
 * SEQPACKET socket between the parent and the container's first processes. */
#include "berth.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int g_sync_fd = -1;

static void put32(uint8_t *b, uint32_t v) { b[0] = v; b[1] = v >> 8; b[2] = v >> 16; b[3] = v >> 24; }
static uint32_t get32(const uint8_t *b) { return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24; }

static int write_all(int fd, const void *buf, size_t len) {
  const uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK) n = write(fd, p, len);
    if (n < 0) { if (errno == EINTR) continue; return -1; }
    p += n; len -= (size_t)n;
  }
  return 0;
}

static int read_all(int fd, void *buf, size_t len) {
  uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0) { if (errno == EINTR) continue; return -1; }
    if (n == 0) { errno = ENODATA; return -1; }
    p += n; len -= (size_t)n;
  }
  return 0;
}

int msg_send(int fd, uint32_t type, const void *payload, uint32_t len) {
  uint8_t h[8];
  put32(h, type); put32(h + 4, len);
  if (write_all(fd, h, 8) < 0) return -1;
  return len ? write_all(fd, payload, len) : 0;
}

int msg_recv(int fd, uint32_t *type, uint8_t **payload, uint32_t *len) {
  uint8_t h[8];
  if (read_all(fd, h, 8) < 0) return -1;
  *type = get32(h); *len = get32(h + 4);
  if (*len > BERTH_MAX_PLAN + 16) { errno = EMSGSIZE; return -1; }
  *payload = malloc(*len ? *len : 1);
  if (!*payload) return -1;
  if (read_all(fd, *payload, *len) < 0) { free(*payload); *payload = NULL; return -1; }
  return 0;
}

int sync_send(int fd, uint32_t type, const void *payload, size_t len, int passfd) {
  uint8_t buf[4096];
  if (len > sizeof(buf) - 4) len = sizeof(buf) - 4;
  put32(buf, type);
  if (len) memcpy(buf + 4, payload, len);
  struct iovec iov = { buf, len + 4 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
  if (passfd >= 0) {
    memset(&ctl, 0, sizeof(ctl));
    mh.msg_control = ctl.b; mh.msg_controllen = sizeof(ctl.b);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &passfd, sizeof(int));
  }
  for (;;) {
    ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    return n < 0 ? -1 : 0;
  }
}

int sync_recv(int fd, uint32_t *type, uint8_t *payload, size_t cap, size_t *len, pid_t *cred_pid, int *recvfd) {
  uint8_t buf[4096];
  struct iovec iov = { buf, sizeof(buf) };
  union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 4)]; } ctl;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
  ssize_t n;
  do n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  if (n == 0) { errno = ENODATA; return -1; }
  if (recvfd) *recvfd = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_CREDENTIALS && cred_pid) {
      struct ucred u; memcpy(&u, CMSG_DATA(c), sizeof(u)); *cred_pid = u.pid;
    } else if (c->cmsg_type == SCM_RIGHTS) {
      size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < k; i++) {
        int f; memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        if (recvfd && *recvfd < 0) *recvfd = f; else close(f);
      }
    }
  }
  if (n < 4) { errno = EPROTO; return -1; }
  *type = get32(buf);
  size_t m = (size_t)n - 4;
  if (m > cap) m = cap;
  if (m) memcpy(payload, buf + 4, m);
  *len = m;
  return 0;
}

size_t error_payload(uint8_t *out, size_t cap, int err, const char *step, const char *detail) {
  size_t ls = strlen(step), ld = strlen(detail);
  if (ls > 256) ls = 256;
  if (12 + ls + ld > cap) ld = cap - 12 - ls;
  put32(out, (uint32_t)err);
  put32(out + 4, (uint32_t)ls); memcpy(out + 8, step, ls);
  put32(out + 8 + ls, (uint32_t)ld); memcpy(out + 12 + ls, detail, ld);
  return 12 + ls + ld;
}

_Noreturn void child_fail(int err, const char *step, const char *fmt, ...) {
  char detail[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof(detail), fmt, ap);
  va_end(ap);
  uint8_t payload[3000];
  size_t n = error_payload(payload, sizeof(payload), err, step, detail);
  if (g_sync_fd < 0 || sync_send(g_sync_fd, SYNC_ERROR, payload, n, -1) < 0)
    dprintf(2, "berth-native: %s: %s: %s\n", step, detail, strerror(err));
  _exit(127);
}
