/* P: the process TypeScript spawned (or the shim it became). It stays on the
 * host: writes id maps and cgroup files for the container, relays the
 * handshake, forwards signals, holds the container's output, reaps it and
 * reports its exit. */
#include "berth.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CTL 3

static const int forwarded_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };

static pid_t g_stage = -1, g_init = -1;
static int g_ctl_open = 1;

static void ctl_send(uint32_t type, const void *payload, uint32_t len) {
  if (g_ctl_open && msg_send(CTL, type, payload, len) < 0) g_ctl_open = 0; /* TypeScript went away: carry on */
}

static void send_error(int err, const char *step, const char *detail) {
  uint8_t buf[3000];
  size_t n = error_payload(buf, sizeof(buf), err, step, detail);
  ctl_send(MSG_ERROR, buf, (uint32_t)n);
}

static _Noreturn void parent_fail(int err, const char *step, const char *fmt, ...) {
  char detail[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof(detail), fmt, ap);
  va_end(ap);
  send_error(err, step, detail);
  if (g_init > 0) kill(g_init, SIGKILL);
  if (g_stage > 0) kill(g_stage, SIGKILL);
  _exit(125);
}

static void write_file(const char *step, const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) parent_fail(errno, step, "open %s", path);
  size_t n = strlen(data);
  if (write(fd, data, n) != (ssize_t)n) parent_fail(errno, step, "write \"%s\" to %s", data, path);
  close(fd);
}

static void write_map(const char *step, pid_t pid, const char *file, const struct idmap *m, size_t n) {
  if (n == 0) return;
  char path[64], *buf = malloc(n * 64 + 1);
  if (!buf) parent_fail(ENOMEM, step, "map");
  size_t o = 0;
  buf[0] = 0;
  for (size_t i = 0; i < n; i++)
    o += (size_t)snprintf(buf + o, 64, "%lu %lu %lu\n", (unsigned long)m[i].inside, (unsigned long)m[i].outside,
                          (unsigned long)m[i].size);
  snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
  write_file(step, path, buf);
  free(buf);
}

static void send_console(const char *socket_path, int master) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  if (strlen(socket_path) >= sizeof(a.sun_path)) parent_fail(ENAMETOOLONG, "console socket", "%s", socket_path);
  strcpy(a.sun_path, socket_path);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) parent_fail(errno, "console socket", "connect %s", socket_path);
  char name[] = "/dev/ptmx";
  struct iovec iov = { name, sizeof(name) - 1 };
  union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
  memset(&ctl, 0, sizeof(ctl));
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &master, sizeof(int));
  if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0) parent_fail(errno, "console socket", "send the pty to %s", socket_path);
  close(s);
}

static _Noreturn void relay_error_and_exit(const uint8_t *buf, size_t len) {
  ctl_send(MSG_ERROR, buf, (uint32_t)len);
  if (g_init > 0) kill(g_init, SIGKILL);
  if (g_stage > 0) kill(g_stage, SIGKILL);
  _exit(125);
}

static void put32(uint8_t *b, uint32_t v) { b[0] = v; b[1] = v >> 8; b[2] = v >> 16; b[3] = v >> 24; }

static void detach(void) {
  pid_t mid = fork();
  if (mid < 0) parent_fail(errno, "shim", "fork");
  if (mid > 0) {
    int st;
    waitpid(mid, &st, 0);
    _exit(0);
  }
  setsid();
  pid_t shim = fork();
  if (shim < 0) _exit(1);
  if (shim > 0) _exit(0);
  if (chdir("/") < 0) _exit(1);
}

struct source { int fd; int sink; struct logstream log; };

static void pump(struct source *s, int logfd, int forward, int drain) {
  char buf[65536];
  while (s->fd >= 0) {
    ssize_t n = read(s->fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) { close(s->fd); s->fd = -1; return; } /* EOF, or EIO once the pty's last slave closed */
    log_feed(logfd, &s->log, buf, (size_t)n);
    if (forward && s->sink >= 0) {
      for (ssize_t w = 0; w < n;) {
        ssize_t r = write(s->sink, buf + w, (size_t)(n - w));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { s->sink = -1; break; }
        w += r;
      }
    }
    if (!drain) return;
  }
}

static int supervise(const struct options *o, const struct plan *p, int syncfd, int sfd, int logfd, int outfd,
                     int errfd, int master);

/* --detach after START: report whether the exec succeeded (the sync socket closes on it), then leave the
 * process to the caller's subreaper. */
static int finish_detached(int syncfd) {
  uint32_t type;
  uint8_t buf[4096];
  size_t len;
  for (;;) {
    if (sync_recv(syncfd, &type, buf, sizeof(buf), &len, NULL, NULL) < 0) {
      if (errno == EINTR) continue;
      ctl_send(MSG_STARTED, NULL, 0);
      return 0;
    }
    if (type == SYNC_ERROR) {
      ctl_send(MSG_ERROR, buf, (uint32_t)len);
      return 125;
    }
  }
}

int run_parent(const struct options *o) {
  if (o->shim) detach();
  int detached = o->detach || o->start_fifo;
  if (!detached) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  signal(SIGPIPE, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  for (size_t i = 0; i < sizeof(forwarded_signals) / sizeof(*forwarded_signals); i++) sigaddset(&mask, forwarded_signals[i]);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) parent_fail(errno, "signals", "signalfd");

  uint8_t hello[8];
  put32(hello, BERTH_PROTOCOL);
  put32(hello + 4, (uint32_t)getpid());
  ctl_send(MSG_HELLO, hello, 8);

  uint32_t type, len;
  uint8_t *msg;
  if (msg_recv(CTL, &type, &msg, &len) < 0) parent_fail(errno, "plan", "reading the plan from fd 3");
  if (type != MSG_PLAN) parent_fail(EPROTO, "plan", "expected PLAN, got message %u", type);
  static struct plan plan;
  char why[256];
  if (plan_decode(msg, len, &plan, why, sizeof(why)) < 0) parent_fail(EINVAL, "plan", "%s", why);
  free(msg);
  const struct plan *p = &plan;

  int logfd = -1;
  if (o->log_path && (logfd = log_open(o->log_path)) < 0) parent_fail(errno, "log", "open %s", o->log_path);
  int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
  if (o->shim && !p->terminal) {
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) parent_fail(errno, "stdio", "pipe");
  }
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) parent_fail(errno, "sync", "socketpair");
  int one = 1;
  if (setsockopt(sp[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) parent_fail(errno, "sync", "SO_PASSCRED");

  int fifo = -1;
  if (o->start_fifo) {
    if (mkfifo(o->start_fifo, 0600) < 0) parent_fail(errno, "start fifo", "mkfifo %s", o->start_fifo);
    fifo = open(o->start_fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fifo < 0) parent_fail(errno, "start fifo", "open %s", o->start_fifo);
  }

  g_stage = fork();
  if (g_stage < 0) parent_fail(errno, "namespaces", "fork");
  if (g_stage == 0) {
    close(sp[0]);
    if (outp[0] >= 0) { close(outp[0]); close(errp[0]); }
    close(sfd);
    if (logfd >= 0) close(logfd);
    run_stage_child(p, sp[1], outp[1], errp[1], fifo);
  }
  if (fifo >= 0) close(fifo); /* the init holds the only read end */
  close(sp[1]);
  if (outp[1] >= 0) { close(outp[1]); close(errp[1]); }

  int master = -1;
  uint8_t buf[4096];
  size_t blen;
  for (int ready = 0; !ready;) {
    pid_t cred = -1;
    int rfd = -1;
    if (sync_recv(sp[0], &type, buf, sizeof(buf), &blen, &cred, &rfd) < 0)
      parent_fail(errno == ENODATA ? ECHILD : errno, "init", "the container's first process exited during setup");
    switch (type) {
    case SYNC_NEED_MAPS: {
      char path[64];
      if (p->setgroups_deny) {
        snprintf(path, sizeof(path), "/proc/%d/setgroups", g_stage);
        write_file("id mappings", path, "deny");
      }
      write_map("id mappings", g_stage, "uid_map", p->uidmap, p->nuid);
      write_map("id mappings", g_stage, "gid_map", p->gidmap, p->ngid);
      if (sync_send(sp[0], SYNC_MAPS_DONE, NULL, 0, -1) < 0) parent_fail(errno, "id mappings", "sync");
      break;
    }
    case SYNC_INIT_PID:
      g_init = cred;
      if (g_init <= 0) parent_fail(EPROTO, "init", "no credentials from the container init");
      for (size_t i = 0; i < p->ncgroup; i++) {
        char pid[32];
        snprintf(pid, sizeof(pid), "%d", g_init);
        write_file("cgroups", p->cgroup[i], pid);
      }
      if (p->has_oom) {
        char path[64], val[32];
        snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", g_init);
        snprintf(val, sizeof(val), "%ld", (long)p->oom);
        write_file("oom_score_adj", path, val);
      }
      if (sync_send(sp[0], SYNC_GO, NULL, 0, -1) < 0) parent_fail(errno, "cgroups", "sync");
      break;
    case SYNC_PTY:
      if (rfd < 0) parent_fail(EPROTO, "terminal", "no pty master received");
      master = rfd;
      break;
    case SYNC_READY: ready = 1; break;
    case SYNC_ERROR:
      relay_error_and_exit(buf, blen);
    default: parent_fail(EPROTO, "init", "unexpected message %u", type);
    }
  }
  int st;
  waitpid(g_stage, &st, 0); /* S exits right after forking the init */
  g_stage = -1;
  if (master >= 0 && o->console_socket) {
    send_console(o->console_socket, master);
    close(master);
    master = -1;
  }
  uint8_t created[4];
  put32(created, (uint32_t)g_init);
  ctl_send(MSG_CREATED, created, 4);
  if (!g_ctl_open) parent_fail(EPIPE, "created", "the launcher went away");
  if (o->start_fifo) return 0; /* the init waits on the fifo; it is no child of ours */
  if (msg_recv(CTL, &type, &msg, &len) < 0 || type != MSG_START) {
    kill(g_init, SIGKILL);
    parent_fail(errno, "start", "the launcher closed fd 3 before START");
  }
  free(msg);
  if (sync_send(sp[0], SYNC_START, NULL, 0, -1) < 0) parent_fail(errno, "start", "the container init is gone");
  if (detached) return finish_detached(sp[0]);
  return supervise(o, p, sp[0], sfd, logfd, outp[0], errp[0], master);
}


/* After START: relay until the container init is reaped. */
static int supervise(const struct options *o, const struct plan *p, int syncfd, int sfd, int logfd, int outfd,
                     int errfd, int master) {
  (void)p;
  int forward = o->forward || !o->shim;
  struct source src[3] = {
    { outfd, 1, { NULL, 0, "stdout" } },
    { errfd, 2, { NULL, 0, "stderr" } },
    { master, 1, { NULL, 0, "stdout" } },
  };
  for (int i = 0; i < 3; i++)
    if (src[i].fd >= 0) fcntl(src[i].fd, F_SETFL, fcntl(src[i].fd, F_GETFL) | O_NONBLOCK);
  int in = master >= 0 ? 0 : -1; /* the shim's stdin goes to the pty; without one the init has fd 0 itself */
  int failed = 0, exited = 0, status = 0;
  while (!exited || syncfd >= 0) {
    struct pollfd pf[7];
    int n = 0, i_sync = -1, i_ctl = -1, i_in = -1, i_src[3] = { -1, -1, -1 };
    pf[n] = (struct pollfd){ sfd, POLLIN, 0 }; n++;
    if (syncfd >= 0) { i_sync = n; pf[n++] = (struct pollfd){ syncfd, POLLIN, 0 }; }
    if (g_ctl_open) { i_ctl = n; pf[n++] = (struct pollfd){ CTL, POLLIN, 0 }; }
    if (in >= 0) { i_in = n; pf[n++] = (struct pollfd){ in, POLLIN, 0 }; }
    for (int i = 0; i < 3; i++)
      if (src[i].fd >= 0) { i_src[i] = n; pf[n++] = (struct pollfd){ src[i].fd, POLLIN, 0 }; }
    if (poll(pf, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 3; i++)
      if (i_src[i] >= 0 && pf[i_src[i]].revents) pump(&src[i], logfd, forward, 0);
    if (i_sync >= 0 && pf[i_sync].revents) {
      uint32_t type;
      uint8_t buf[4096];
      size_t len;
      if (sync_recv(syncfd, &type, buf, sizeof(buf), &len, NULL, NULL) < 0) {
        /* closed: the exec succeeded (the socket is close-on-exec) or the init died */
        if (!failed) ctl_send(MSG_STARTED, NULL, 0);
        close(syncfd);
        syncfd = -1;
      } else if (type == SYNC_ERROR) {
        ctl_send(MSG_ERROR, buf, (uint32_t)len);
        failed = 1;
      }
    }
    if (i_ctl >= 0 && pf[i_ctl].revents) {
      uint32_t type, len;
      uint8_t *msg;
      if (msg_recv(CTL, &type, &msg, &len) < 0) { close(CTL); g_ctl_open = 0; }
      else free(msg);
    }
    if (i_in >= 0 && pf[i_in].revents) {
      char buf[4096];
      ssize_t r = read(in, buf, sizeof(buf));
      if (r <= 0 || write(master, buf, (size_t)r) < 0) in = -1;
    }
    if (pf[0].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo != SIGCHLD) { kill(g_init, (int)si.ssi_signo); continue; }
        int st;
        pid_t w;
        while ((w = waitpid(-1, &st, WNOHANG)) > 0)
          if (w == g_init) { exited = 1; status = st; }
      }
    }
  }
  for (int i = 0; i < 3; i++) {
    pump(&src[i], logfd, forward, 1);
    log_flush(logfd, &src[i].log);
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  uint8_t ex[8];
  put32(ex, (uint32_t)code);
  put32(ex + 4, (uint32_t)sig);
  ctl_send(MSG_EXITED, ex, 8);
  if (o->exit_file && write_exit_file(o->exit_file, code, sig) < 0)
    dprintf(2, "berth-native: writing %s: %s\n", o->exit_file, strerror(errno));
  if (logfd >= 0) close(logfd);
  if (o->exit_command) {
    char **argv = calloc(o->nexit_args + 2, sizeof(char *));
    if (argv) {
      argv[0] = (char *)o->exit_command;
      for (size_t i = 0; i < o->nexit_args; i++) argv[i + 1] = o->exit_args[i];
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      signal(SIGPIPE, SIG_DFL);
      execv(o->exit_command, argv);
      dprintf(2, "berth-native: exit command %s: %s\n", o->exit_command, strerror(errno));
    }
  }
  return failed ? 125 : code;
}
