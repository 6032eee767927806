/* Paths inside the rootfs, resolved so that neither ".." nor a symlink
 * (absolute or relative) ever leads out of it (CVE-2021-30465). openat2 with
 * RESOLVE_IN_ROOT when the kernel has it; otherwise, and to create missing
 * components, a walk one component at a time with O_NOFOLLOW that expands
 * symlinks itself, anchored at the rootfs descriptor. */
#include "berth.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_DEPTH 256
#define MAX_LINKS 40

void fd_path(char *buf, size_t cap, int fd) { snprintf(buf, cap, "/proc/self/fd/%d", fd); }

static int no_openat2 = 0;

static int try_openat2(int rootfd, const char *path) {
  if (no_openat2) { errno = ENOSYS; return -1; }
  struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
  if (fd < 0 && (errno == ENOSYS || errno == E2BIG)) no_openat2 = 1;
  return fd;
}

static int create_at(int dirfd, const char *name, int create, int last) {
  if (create == 2 && last) {
    int fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) { close(fd); return 0; }
    return errno == EEXIST ? 0 : -1;
  }
  if (mkdirat(dirfd, name, 0755) == 0 || errno == EEXIST) return 0;
  return -1;
}

/* The walk. stack[0] is the root; ".." pops but never below it. */
static int walk(int rootfd, const char *path, int create) {
  int stack[MAX_DEPTH];
  int depth = 0, links = 0, ret = -1, saved = 0;
  stack[0] = rootfd;
  char *rest = strdup(path);
  if (!rest) return -1;
  char *p = rest;
  for (;;) {
    while (*p == '/') p++;
    if (!*p) break;
    char *end = strchr(p, '/');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char name[NAME_MAX + 1];
    if (n > NAME_MAX) { saved = ENAMETOOLONG; goto out; }
    memcpy(name, p, n); name[n] = 0;
    p += n;
    int last = 1;
    for (char *q = p; *q; q++) if (*q != '/') { last = 0; break; }
    if (!strcmp(name, ".")) continue;
    if (!strcmp(name, "..")) {
      if (depth > 0) close(stack[depth--]);
      continue;
    }
    int fd = openat(stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
      if (create_at(stack[depth], name, create, last) < 0) { saved = errno; goto out; }
      fd = openat(stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) { saved = errno; goto out; }
    struct stat st;
    if (fstat(fd, &st) < 0) { saved = errno; close(fd); goto out; }
    if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t tl = readlinkat(fd, "", target, sizeof(target) - 1);
      close(fd);
      if (tl < 0) { saved = errno; goto out; }
      target[tl] = 0;
      if (++links > MAX_LINKS) { saved = ELOOP; goto out; }
      size_t rl = strlen(p);
      char *next = malloc((size_t)tl + rl + 2);
      if (!next) { saved = ENOMEM; goto out; }
      memcpy(next, target, (size_t)tl);
      next[tl] = '/';
      memcpy(next + tl + 1, p, rl + 1);
      free(rest);
      rest = p = next;
      if (target[0] == '/') while (depth > 0) close(stack[depth--]);
      continue;
    }
    if (!last && !S_ISDIR(st.st_mode)) { saved = ENOTDIR; close(fd); goto out; }
    if (depth + 1 >= MAX_DEPTH) { saved = ENAMETOOLONG; close(fd); goto out; }
    stack[++depth] = fd;
  }
  ret = depth > 0 ? stack[depth--] : (int)fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
  if (ret < 0) saved = errno;
out:
  while (depth > 0) close(stack[depth--]);
  free(rest);
  errno = saved;
  return ret;
}

int open_in_root(int rootfd, const char *path, int create) {
  if (getenv("BERTH_NATIVE_NO_OPENAT2")) no_openat2 = 1; /* test hook: exercise the walk */
  int fd = try_openat2(rootfd, path);
  if (fd >= 0) return fd;
  if (!no_openat2 && !(errno == ENOENT && create)) return -1;
  return walk(rootfd, path, create);
}
