/* berth-native: `create` and `shim` execute a launch plan received on fd 3
 * (../PLAN.md); `version` prints the versions. Before anything else the
 * process re-executes itself from a sealed memfd copy, so that no process of
 * the container can ever reach (and overwrite) the host's binary through
 * /proc/PID/exe (CVE-2019-5736). */
#include "berth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static int running_sealed(void) {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  int seals = fcntl(fd, F_GET_SEALS);
  close(fd);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

static void reexec_sealed(char **argv) {
  if (running_sealed()) return;
  int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (src < 0) { perror("berth-native: open /proc/self/exe"); exit(125); }
  int mfd = memfd_create("berth-native", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) { perror("berth-native: memfd_create"); exit(125); }
  struct stat st;
  if (fstat(src, &st) < 0) { perror("berth-native: stat self"); exit(125); }
  for (off_t off = 0; off < st.st_size;) {
    ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
    if (n <= 0) { perror("berth-native: copy self"); exit(125); }
  }
  close(src);
  if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0) { perror("berth-native: seal"); exit(125); }
  fexecve(mfd, argv, environ);
  perror("berth-native: fexecve");
  exit(125);
}

static void usage(void) {
  fprintf(stderr,
          "usage: berth-native create [--console-socket PATH] [--detach | --start-fifo PATH]\n"
          "       berth-native shim [--log FILE] [--exit-file FILE] [--console-socket PATH] [--forward]\n"
          "                         [--exit-command PATH [--exit-arg ARG]...]\n"
          "       berth-native init -- COMMAND [ARG...]   (pid 1 for --init: forwards signals, reaps)\n"
          "       berth-native version\n"
          "The launch plan and the handshake come on fd 3 (see native/PLAN.md).\n");
  exit(125);
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  if (!strcmp(argv[1], "init")) { int init_mode(int, char **); return init_mode(argc - 2, argv + 2); }
  if (!strcmp(argv[1], "version")) {
    printf("berth-native %d plan %d\n", BERTH_PROTOCOL, BERTH_PLAN_VERSION);
    return 0;
  }
  struct options o = { 0 };
  if (!strcmp(argv[1], "shim")) o.shim = 1;
  else if (strcmp(argv[1], "create")) usage();
  o.exit_args = calloc((size_t)argc, sizeof(char *));
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if (!strcmp(a, "--console-socket") && has) o.console_socket = argv[++i];
    else if (o.shim && !strcmp(a, "--log") && has) o.log_path = argv[++i];
    else if (o.shim && !strcmp(a, "--exit-file") && has) o.exit_file = argv[++i];
    else if (o.shim && !strcmp(a, "--exit-command") && has) o.exit_command = argv[++i];
    else if (o.shim && !strcmp(a, "--exit-arg") && has) o.exit_args[o.nexit_args++] = argv[++i];
    else if (o.shim && !strcmp(a, "--forward")) o.forward = 1;
    else if (!o.shim && !strcmp(a, "--detach")) o.detach = 1;
    else if (!o.shim && !strcmp(a, "--start-fifo") && has) o.start_fifo = argv[++i];
    else usage();
  }
  struct stat st;
  if (fstat(3, &st) < 0 || !S_ISSOCK(st.st_mode)) {
    fprintf(stderr, "berth-native: fd 3 must be the handshake socket\n");
    return 125;
  }
  reexec_sealed(argv);
  return run_parent(&o);
}
