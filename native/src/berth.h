/* berth-native: executes a launch plan made by TypeScript (see ../PLAN.md).
 * Shared declarations of the executor, the container init and the shim. */
#ifndef BERTH_H
#define BERTH_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BERTH_PROTOCOL 1
#define BERTH_PLAN_VERSION 1
#define BERTH_MAX_PLAN (16u * 1024u * 1024u)

/* fd 3 messages */
enum {
  MSG_PLAN = 0x01, MSG_START = 0x02,
  MSG_HELLO = 0x80, MSG_CREATED = 0x81, MSG_STARTED = 0x82, MSG_ERROR = 0x83, MSG_EXITED = 0x84,
};
/* messages on the internal sync socket (P <-> S, I) */
enum {
  SYNC_NEED_MAPS = 1, SYNC_MAPS_DONE, SYNC_INIT_PID, SYNC_GO, SYNC_PTY, SYNC_READY, SYNC_START, SYNC_ERROR,
};

struct idmap { uint64_t inside, outside, size; };
struct nsjoin { uint64_t type; char *path; };
struct pmount { char *source, *target, *fstype, *data; uint64_t flags, nprop; uint64_t *prop; };
struct pdevice { char *path, *bind; uint64_t type, major, minor, mode, uid, gid; };
struct pair { char *a, *b; };
struct prlim { uint64_t resource, soft, hard; };

struct plan {
  uint64_t clone_flags;
  size_t njoin, nuid, ngid, nmount, ndevice, nlink, nmasked, nreadonly, nsysctl, nrlimit, ncgroup, nenv, nargs, ngids;
  struct nsjoin *join;
  struct idmap *uidmap, *gidmap;
  int setgroups_deny;
  char *root;
  uint64_t root_propagation;
  int root_readonly, pivot_root;
  struct pmount *mount;
  struct pdevice *device;
  struct pair *link, *sysctl;
  char **masked, **readonly, **cgroup, **env, **args;
  char *hostname, *domainname;
  struct prlim *rlimit;
  int has_oom, has_personality, has_caps, has_seccomp, nnp, terminal;
  int64_t oom;
  uint64_t personality;
  uint64_t caps[5]; /* bounding, effective, permitted, inheritable, ambient */
  uint64_t seccomp_flags;
  uint8_t *seccomp_prog;
  uint32_t seccomp_len;
  uint64_t uid, gid, umask;
  uint64_t *gids;
  char *cwd, *exec;
};

/* plan.c */
int plan_decode(const uint8_t *buf, size_t len, struct plan *p, char *why, size_t whylen);

/* proto.c: framed messages. Return 0, or -1 with errno (EPIPE/ECONNRESET: peer gone, 0 bytes: EOF -> ENODATA). */
int msg_send(int fd, uint32_t type, const void *payload, uint32_t len);
int msg_recv(int fd, uint32_t *type, uint8_t **payload, uint32_t *len);
int sync_send(int fd, uint32_t type, const void *payload, size_t len, int passfd);
int sync_recv(int fd, uint32_t *type, uint8_t *payload, size_t cap, size_t *len, pid_t *cred_pid, int *recvfd);
size_t error_payload(uint8_t *out, size_t cap, int err, const char *step, const char *detail);
/* In S or I: send an error to P on the sync socket and _exit(127). */
_Noreturn void child_fail(int err, const char *step, const char *fmt, ...);
extern int g_sync_fd;

/* resolve.c: paths inside the rootfs that cannot escape it. create: 0 none, 1 directory, 2 file. */
int open_in_root(int rootfd, const char *path, int create);
void fd_path(char *buf, size_t cap, int fd);

/* rootfs.c */
void setup_rootfs(const struct plan *p);

/* init.c */
/* fifo_fd: the start fifo's read end (create --start-fifo), or -1 to wait for START on the sync socket. */
_Noreturn void run_stage_child(const struct plan *p, int sync_fd, int out_fd, int err_fd, int fifo_fd);

/* parent.c */
struct options {
  int shim, forward;
  /* detach: P is no subreaper and exits once the exec succeeded, so the container's process belongs to the
   * caller's subreaper (containerd-shim, conmon), as runc leaves it. start_fifo: as detach, but P exits
   * once the container is created, and the init waits for a byte on this fifo before it execs. */
  int detach;
  const char *start_fifo;
  const char *log_path, *exit_file, *console_socket, *exit_command;
  char **exit_args;
  size_t nexit_args;
};
int run_parent(const struct options *o);

/* log.c */
struct logstream { char *buf; size_t len; const char *name; };
int log_open(const char *path);
void log_feed(int logfd, struct logstream *s, const char *data, size_t len);
void log_flush(int logfd, struct logstream *s);
void format_time(char *out, size_t cap);
int write_exit_file(const char *path, int code, int sig);

#endif
