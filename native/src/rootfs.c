/* The container's filesystem, in the container init before pivot_root: the
 * plan's mounts, devices, links, masked and read-only paths, every one onto a
 * descriptor resolved inside the rootfs, then pivot_root (or chroot). */
#include "berth.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int g_rootfd = -1;

static int resolve_or_fail(const char *step, const char *path, int create) {
  int fd = open_in_root(g_rootfd, path, create);
  if (fd < 0) child_fail(errno, step, "resolving %s inside the rootfs", path);
  return fd;
}

/* Flags the kernel locks on a mount (in a user namespace) must be kept on remount. */
static unsigned long locked_flags(const char *path) {
  struct statvfs s;
  if (statvfs(path, &s) < 0) return 0;
  unsigned long f = 0;
  if (s.f_flag & ST_RDONLY) f |= MS_RDONLY;
  if (s.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (s.f_flag & ST_NODEV) f |= MS_NODEV;
  if (s.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (s.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (s.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (s.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

static int remount_bind(const char *path, unsigned long flags) {
  unsigned long f = MS_BIND | MS_REMOUNT | flags;
  if (mount(NULL, path, NULL, f, NULL) == 0) return 0;
  if (errno != EPERM) return -1;
  return mount(NULL, path, NULL, f | locked_flags(path), NULL);
}

static void do_mount(const struct pmount *m) {
  char where[64];
  const unsigned long remount_bits = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
                                     MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW;
  int create = 1;
  if (m->flags & MS_BIND) {
    struct stat st;
    if (stat(m->source, &st) < 0) child_fail(errno, "mount", "bind source %s", m->source);
    if (!S_ISDIR(st.st_mode)) create = 2;
  }
  int fd = resolve_or_fail("mount", m->target, create);
  fd_path(where, sizeof(where), fd);
  if (m->flags & MS_BIND) {
    if (mount(m->source, where, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
      child_fail(errno, "mount", "bind %s on %s", m->source, m->target);
    close(fd);
    unsigned long extra = m->flags & remount_bits;
    fd = resolve_or_fail("mount", m->target, 0); /* the new mount on top */
    fd_path(where, sizeof(where), fd);
    if (extra && remount_bind(where, extra) < 0)
      child_fail(errno, "mount", "remount bind of %s with flags 0x%lx", m->target, extra);
  } else {
    const char *data = m->data && *m->data ? m->data : NULL;
    if (mount(m->source, where, m->fstype, m->flags, data) < 0)
      child_fail(errno, "mount", "%s (%s) on %s with flags 0x%lx data \"%s\"", m->source, m->fstype, m->target,
                 (unsigned long)m->flags, data ? data : "");
    close(fd);
    fd = resolve_or_fail("mount", m->target, 0);
    fd_path(where, sizeof(where), fd);
  }
  for (uint64_t i = 0; i < m->nprop; i++)
    if (mount(NULL, where, NULL, m->prop[i], NULL) < 0)
      child_fail(errno, "mount", "propagation 0x%lx of %s", (unsigned long)m->prop[i], m->target);
  close(fd);
}

static void split(const char *path, char *dir, size_t cap, const char **base) {
  snprintf(dir, cap, "%s", path);
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') dir[--n] = 0;
  char *slash = strrchr(dir, '/');
  if (!slash) { *base = path; snprintf(dir, cap, "/"); return; }
  *base = path + (slash - dir) + 1;
  if (slash == dir) slash[1] = 0; else *slash = 0;
}

static void do_device(const struct pdevice *d) {
  char dir[4096];
  const char *base;
  if (*d->bind) {
    int fd = resolve_or_fail("device", d->path, 2);
    char where[64];
    fd_path(where, sizeof(where), fd);
    if (mount(d->bind, where, NULL, MS_BIND, NULL) < 0) child_fail(errno, "device", "bind %s on %s", d->bind, d->path);
    close(fd);
    return;
  }
  split(d->path, dir, sizeof(dir), &base);
  int dfd = resolve_or_fail("device", dir, 1);
  if (mknodat(dfd, base, (mode_t)(d->type | d->mode), makedev(d->major, d->minor)) < 0 && errno != EEXIST)
    child_fail(errno, "device", "mknod %s", d->path);
  int fd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) child_fail(errno, "device", "open %s", d->path);
  char where[64];
  fd_path(where, sizeof(where), fd);
  if (chown(where, (uid_t)d->uid, (gid_t)d->gid) < 0 || chmod(where, (mode_t)d->mode) < 0)
    child_fail(errno, "device", "chown/chmod %s", d->path);
  close(fd);
  close(dfd);
}

static void do_link(const struct pair *l) {
  char dir[4096];
  const char *base;
  split(l->a, dir, sizeof(dir), &base);
  int dfd = resolve_or_fail("link", dir, 1);
  if (symlinkat(l->b, dfd, base) < 0 && errno != EEXIST) child_fail(errno, "link", "symlink %s -> %s", l->a, l->b);
  close(dfd);
}

static void do_masked(const char *path) {
  int fd = open_in_root(g_rootfd, path, 0);
  if (fd < 0) {
    if (errno == ENOENT) return;
    child_fail(errno, "masked path", "resolving %s", path);
  }
  struct stat st;
  char where[64];
  fd_path(where, sizeof(where), fd);
  if (fstat(fd, &st) < 0) child_fail(errno, "masked path", "stat %s", path);
  int r = S_ISDIR(st.st_mode) ? mount("tmpfs", where, "tmpfs", MS_RDONLY, NULL)
                              : mount("/dev/null", where, NULL, MS_BIND, NULL);
  if (r < 0) child_fail(errno, "masked path", "mask %s", path);
  close(fd);
}

static void do_readonly(const char *path) {
  int fd = open_in_root(g_rootfd, path, 0);
  if (fd < 0) {
    if (errno == ENOENT) return;
    child_fail(errno, "readonly path", "resolving %s", path);
  }
  char where[64];
  fd_path(where, sizeof(where), fd);
  if (mount(where, where, NULL, MS_BIND | MS_REC, NULL) < 0) child_fail(errno, "readonly path", "bind %s", path);
  close(fd);
  fd = resolve_or_fail("readonly path", path, 0);
  fd_path(where, sizeof(where), fd);
  if (remount_bind(where, MS_RDONLY) < 0) child_fail(errno, "readonly path", "remount %s read-only", path);
  close(fd);
}

/* Through the rootfs's own /proc: the values belong to the namespaces of this
 * process, which already are the container's. */
static void do_sysctl(const struct pair *kv) {
  char path[4096], where[64];
  if (kv->a[0] == '/' || strstr(kv->a, "..")) child_fail(EINVAL, "sysctl", "path %s", kv->a);
  snprintf(path, sizeof(path), "/proc/sys/%s", kv->a);
  int pfd = resolve_or_fail("sysctl", path, 0);
  fd_path(where, sizeof(where), pfd);
  int fd = open(where, O_WRONLY | O_CLOEXEC);
  if (fd < 0) child_fail(errno, "sysctl", "open %s", path);
  size_t n = strlen(kv->b);
  if (write(fd, kv->b, n) != (ssize_t)n) child_fail(errno, "sysctl", "write \"%s\" to %s", kv->b, path);
  close(fd);
  close(pfd);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape_octal(char *s) {
  char *o = s;
  for (char *i = s; *i; o++) {
    if (i[0] == '\\' && i[1] >= '0' && i[1] <= '7' && i[2] >= '0' && i[2] <= '7' && i[3] >= '0' && i[3] <= '7') {
      *o = (char)((i[1] - '0') * 64 + (i[2] - '0') * 8 + (i[3] - '0'));
      i += 4;
    } else {
      *o = *i++;
    }
  }
  *o = 0;
}

static int is_path_prefix(const char *mp, const char *path) {
  size_t n = strlen(mp);
  if (n == 1 && mp[0] == '/') return 1;
  return !strncmp(mp, path, n) && (path[n] == '/' || path[n] == 0);
}

/* pivot_root refuses a new root whose parent mount is shared (root propagation rshared): make that one
 * mount private, as runc does, leaving the rest of the propagation asked for. */
static void make_parent_private(const char *asked) {
  char root[PATH_MAX];
  if (!realpath(asked, root)) child_fail(errno, "rootfs", "resolve %s", asked);
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) child_fail(errno, "rootfs propagation", "open /proc/self/mountinfo");
  char line[8192], best[4096] = "";
  int best_shared = 0;
  while (fgets(line, sizeof(line), f)) {
    char mp[4096], rest[4096];
    /* id parent major:minor root mount-point options optional-fields... - fstype source super-options */
    if (sscanf(line, "%*s %*s %*s %*s %4095s %*s %4095[^\n]", mp, rest) != 2) continue;
    unescape_octal(mp);
    if (!is_path_prefix(mp, root) || strlen(mp) < strlen(best)) continue;
    char *dash = strstr(rest, " - ");
    if (dash) *dash = 0;
    snprintf(best, sizeof(best), "%s", mp);
    best_shared = strstr(rest, "shared:") != NULL;
  }
  fclose(f);
  if (best_shared && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
    child_fail(errno, "rootfs propagation", "make %s (the rootfs's parent mount) private", best);
}

void setup_rootfs(const struct plan *p) {
  if (mount(NULL, "/", NULL, p->root_propagation ? p->root_propagation : (MS_SLAVE | MS_REC), NULL) < 0)
    child_fail(errno, "rootfs propagation", "mount / with flags 0x%lx", (unsigned long)p->root_propagation);
  if (p->pivot_root) make_parent_private(p->root);
  if (mount(p->root, p->root, NULL, MS_BIND | MS_REC, NULL) < 0)
    child_fail(errno, "rootfs", "bind %s onto itself", p->root);
  g_rootfd = open(p->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (g_rootfd < 0) child_fail(errno, "rootfs", "open %s", p->root);
  for (size_t i = 0; i < p->nmount; i++) do_mount(&p->mount[i]);
  for (size_t i = 0; i < p->ndevice; i++) do_device(&p->device[i]);
  for (size_t i = 0; i < p->nlink; i++) do_link(&p->link[i]);
  /* sysctls before masked and read-only paths, which usually cover /proc/sys */
  for (size_t i = 0; i < p->nsysctl; i++) do_sysctl(&p->sysctl[i]);
  for (size_t i = 0; i < p->nmasked; i++) do_masked(p->masked[i]);
  for (size_t i = 0; i < p->nreadonly; i++) do_readonly(p->readonly[i]);

  if (fchdir(g_rootfd) < 0) child_fail(errno, "pivot_root", "chdir to %s", p->root);
  if (p->pivot_root) {
    if (syscall(SYS_pivot_root, ".", ".") < 0) child_fail(errno, "pivot_root", "pivot_root to %s", p->root);
    /* the old root is now stacked on "."; detach it without telling the host */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) child_fail(errno, "pivot_root", "make old root rslave");
    if (umount2(".", MNT_DETACH) < 0) child_fail(errno, "pivot_root", "detach old root");
  } else {
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) child_fail(errno, "chroot", "move %s to /", p->root);
    if (chroot(".") < 0) child_fail(errno, "chroot", "chroot to %s", p->root);
  }
  if (chdir("/") < 0) child_fail(errno, "pivot_root", "chdir /");
  close(g_rootfd);
  g_rootfd = -1;
  if (p->root_readonly && remount_bind("/", MS_RDONLY) < 0) child_fail(errno, "readonly rootfs", "remount / read-only");
}
