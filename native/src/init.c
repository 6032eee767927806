/* The container side: S joins and unshares namespaces and forks I, the
 * container's init, which builds the rootfs, waits for START, drops privileges
 * and execs. Everything here runs single-threaded in a fork of the parent. */
#include "berth.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static void expect(uint32_t want, const char *step) {
  uint32_t type;
  uint8_t buf[16];
  size_t len;
  if (sync_recv(g_sync_fd, &type, buf, sizeof(buf), &len, NULL, NULL) < 0)
    child_fail(errno, step, "waiting for the parent");
  if (type != want) child_fail(EPROTO, step, "parent sent message %u, expected %u", type, want);
}

static void send_or_fail(uint32_t type, const char *step, int passfd) {
  if (sync_send(g_sync_fd, type, NULL, 0, passfd) < 0) child_fail(errno, step, "talking to the parent");
}

static void join_namespaces(const struct plan *p) {
  /* the user namespace first: the others are owned by it */
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < p->njoin; i++) {
      const struct nsjoin *j = &p->join[i];
      if ((j->type == CLONE_NEWUSER) != (pass == 0)) continue;
      int fd = open(j->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) child_fail(errno, "join namespace", "open %s", j->path);
      if (setns(fd, (int)j->type) < 0) child_fail(errno, "join namespace", "setns %s", j->path);
      close(fd);
    }
}

static int make_pty(int *slave) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) child_fail(errno, "terminal", "open /dev/ptmx inside the container");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) child_fail(errno, "terminal", "unlock pty");
  *slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (*slave < 0) child_fail(errno, "terminal", "open pty peer");
  return master;
}

static void load_seccomp(const struct plan *p) {
  struct sock_fprog prog = { .len = (unsigned short)(p->seccomp_len / 8), .filter = (struct sock_filter *)p->seccomp_prog };
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)p->seccomp_flags, &prog) < 0) {
    if (errno == ENOSYS && p->seccomp_flags == 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0) return;
    child_fail(errno, "seccomp", "load a filter of %u instructions with flags 0x%lx", prog.len,
               (unsigned long)p->seccomp_flags);
  }
}

static void set_capabilities(const struct plan *p) {
  for (int c = 0; c < 64; c++) {
    if (p->caps[0] & (1ULL << c)) continue;
    if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0) break; /* past the kernel's last capability */
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) child_fail(errno, "capabilities", "drop %d from the bounding set", c);
  }
}

static void set_cap_sets(const struct plan *p) {
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];
  for (int i = 0; i < 2; i++) {
    d[i].effective = (uint32_t)(p->caps[1] >> (32 * i));
    d[i].permitted = (uint32_t)(p->caps[2] >> (32 * i));
    d[i].inheritable = (uint32_t)(p->caps[3] >> (32 * i));
  }
  if (syscall(SYS_capset, &h, d) < 0) child_fail(errno, "capabilities", "capset");
  for (int c = 0; c < 64; c++)
    if ((p->caps[4] & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      child_fail(errno, "capabilities", "raise ambient %d", c);
}

static int try_exec(const char *path, char *const *args, char *const *env) {
  execve(path, args, env);
  return errno;
}

static _Noreturn void exec_process(const struct plan *p) {
  int err;
  if (strchr(p->exec, '/')) {
    err = try_exec(p->exec, p->args, p->env);
  } else {
    const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (size_t i = 0; i < p->nenv; i++)
      if (!strncmp(p->env[i], "PATH=", 5)) path = p->env[i] + 5;
    err = ENOENT;
    int seen_eacces = 0;
    const char *s = path;
    for (;;) {
      const char *e = strchr(s, ':');
      size_t n = e ? (size_t)(e - s) : strlen(s);
      char full[4096];
      if (n == 0) snprintf(full, sizeof(full), "%s", p->exec);
      else snprintf(full, sizeof(full), "%.*s/%s", (int)n, s, p->exec);
      int r = try_exec(full, p->args, p->env);
      if (r == EACCES) seen_eacces = 1;
      else if (r != ENOENT && r != ENOTDIR && r != ESTALE && r != ELOOP && r != ENAMETOOLONG) { err = r; break; }
      if (!e) { err = seen_eacces ? EACCES : ENOENT; break; }
      s = e + 1;
    }
  }
  child_fail(err, "exec", "%s", p->exec);
}

/* create --start-fifo: the parent is gone by now; a byte written to the fifo by `start` lets the process
 * exec. The read end was opened non-blocking before any writer existed, so poll() waits for the first
 * writer rather than reporting a hang-up. A writer that closes without writing cancels the container. */
static void wait_start_fifo(int fd) {
  for (;;) {
    struct pollfd pf = { fd, POLLIN, 0 };
    if (poll(&pf, 1, -1) < 0) {
      if (errno == EINTR) continue;
      child_fail(errno, "start", "waiting on the start fifo");
    }
    char b;
    ssize_t n = read(fd, &b, 1);
    if (n == 1) break;
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    child_fail(n == 0 ? ECANCELED : errno, "start", "the start fifo closed without a start");
  }
  close(fd);
}

/* exec (no ROOT): setns put this process at the root of the container's first mount, under anything
 * stacked on it (the rootfs moved onto / with --no-pivot). `..` at the root crosses to the top of the
 * stack, where the container's processes live. */
static void enter_container_root(void) {
  if (chroot("/..") < 0) child_fail(errno, "rootfs", "chroot to the container's root");
  if (chdir("/") < 0) child_fail(errno, "rootfs", "chdir /");
}

/* A new network namespace starts with lo down. Every engine brings it up (Docker; podman and
 * containerd through CNI's loopback plugin), so a namespace berth-native makes gets it up too. */
static void loopback_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) child_fail(errno, "loopback", "socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) child_fail(errno, "loopback", "reading the flags of lo");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) child_fail(errno, "loopback", "bringing lo up");
  close(s);
}

static _Noreturn void run_init(const struct plan *p, int out_fd, int err_fd, int fifo_fd) {
  if (sync_send(g_sync_fd, SYNC_INIT_PID, NULL, 0, -1) < 0) child_fail(errno, "init", "talking to the parent");
  expect(SYNC_GO, "cgroups");
  if ((p->clone_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
    child_fail(errno, "namespaces", "unshare cgroup namespace");
  if (p->clone_flags & CLONE_NEWNET) loopback_up();
  if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
    child_fail(errno, "hostname", "sethostname %s", p->hostname);
  if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
    child_fail(errno, "domainname", "setdomainname %s", p->domainname);
  umask(0);
  if (p->root) setup_rootfs(p);
  else enter_container_root();
  if (p->has_personality && personality((unsigned long)p->personality) < 0)
    child_fail(errno, "personality", "personality 0x%lx", (unsigned long)p->personality);
  int slave = -1;
  if (p->terminal) {
    int master = make_pty(&slave);
    send_or_fail(SYNC_PTY, "terminal", master);
    close(master);
  } else if (out_fd >= 0) {
    if (dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) child_fail(errno, "stdio", "dup2");
  }
  send_or_fail(SYNC_READY, "ready", -1);
  if (fifo_fd >= 0) wait_start_fifo(fifo_fd);
  else expect(SYNC_START, "start");

  if (slave >= 0) {
    if (setsid() < 0) child_fail(errno, "terminal", "setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0) child_fail(errno, "terminal", "make the pty the controlling terminal");
    for (int i = 0; i < 3; i++)
      if (dup2(slave, i) < 0) child_fail(errno, "terminal", "dup2");
    if (slave > 2) close(slave);
  }
  if (chdir(p->cwd) < 0) child_fail(errno, "cwd", "chdir %s", p->cwd);
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) child_fail(errno, "capabilities", "PR_SET_KEEPCAPS");
  if (p->has_seccomp && !p->nnp) load_seccomp(p);
  if (p->has_caps) set_capabilities(p);
  gid_t gids[p->ngids + 1];
  for (size_t i = 0; i < p->ngids; i++) gids[i] = (gid_t)p->gids[i];
  if (setgroups(p->ngids, gids) < 0 && !(errno == EPERM && p->ngids == 0))
    child_fail(errno, "user", "setgroups (%zu groups)", p->ngids);
  if (setresgid((gid_t)p->gid, (gid_t)p->gid, (gid_t)p->gid) < 0) child_fail(errno, "user", "setgid %lu", (unsigned long)p->gid);
  if (setresuid((uid_t)p->uid, (uid_t)p->uid, (uid_t)p->uid) < 0) child_fail(errno, "user", "setuid %lu", (unsigned long)p->uid);
  if (p->has_caps) set_cap_sets(p);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) child_fail(errno, "capabilities", "clear PR_SET_KEEPCAPS");
  umask(p->umask == UINT64_MAX ? 022 : (mode_t)p->umask);
  for (size_t i = 0; i < p->nrlimit; i++) {
    struct rlimit rl = { (rlim_t)p->rlimit[i].soft, (rlim_t)p->rlimit[i].hard };
    if (prlimit(0, (int)p->rlimit[i].resource, &rl, NULL) < 0)
      child_fail(errno, "rlimits", "resource %lu", (unsigned long)p->rlimit[i].resource);
  }
  /* only 0-2 survive the exec; the sync socket closes on success (CVE-2024-21626) */
  if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    for (int fd = 3; fd < 65536; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  if (p->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) child_fail(errno, "no_new_privs", "PR_SET_NO_NEW_PRIVS");
  if (p->has_seccomp && p->nnp) load_seccomp(p);
  exec_process(p);
}

_Noreturn void run_stage_child(const struct plan *p, int sync_fd, int out_fd, int err_fd, int fifo_fd) {
  g_sync_fd = sync_fd;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  close(3); /* the handshake with TypeScript is the parent's alone */

  join_namespaces(p);
  if (p->clone_flags & CLONE_NEWUSER) {
    if (unshare(CLONE_NEWUSER) < 0) child_fail(errno, "namespaces", "unshare user namespace");
    send_or_fail(SYNC_NEED_MAPS, "id mappings", -1);
    expect(SYNC_MAPS_DONE, "id mappings");
    if (setresgid(0, 0, 0) < 0 && errno != EINVAL) child_fail(errno, "id mappings", "setgid 0");
    if (setresuid(0, 0, 0) < 0 && errno != EINVAL) child_fail(errno, "id mappings", "setuid 0");
  }
  int flags = (int)(p->clone_flags & ~(uint64_t)(CLONE_NEWUSER | CLONE_NEWCGROUP));
  if (flags && unshare(flags) < 0) child_fail(errno, "namespaces", "unshare 0x%x", flags);
  pid_t pid = fork();
  if (pid < 0) child_fail(errno, "namespaces", "fork the container init");
  if (pid == 0) run_init(p, out_fd, err_fd, fifo_fd);
  _exit(0);
}
