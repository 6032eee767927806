/* berth-native init -- CMD [ARG...]: the container's pid 1 for `--init` (Docker runs
 * tini as docker-init for this). It starts CMD as its only child, passes every signal it
 * can catch on to that child, reaps every process that ends up as its child (orphans of
 * the container are re-parented to pid 1), and exits with CMD's status: its exit code, or
 * 128+N when signal N killed it. Outside a PID namespace it makes itself a subreaper so
 * orphans still come to it.
 *
 * Signals are blocked and taken with sigwaitinfo, so no handler runs at an awkward time.
 * Faults (SIGSEGV and the like) stay unblocked: they belong to this process. The child
 * gets its own process group and, on a terminal, the foreground, so ^C from the terminal
 * reaches it once rather than through both this process and the terminal. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int init_mode(int argc, char **argv);

static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };

static int exit_status(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 1;
}

int init_mode(int argc, char **argv) {
  if (argc > 0 && !strcmp(argv[0], "--")) { argc--; argv++; }
  if (argc < 1) {
    fprintf(stderr, "usage: berth-native init -- COMMAND [ARG...]\n");
    return 125;
  }
  sigset_t all, old;
  sigfillset(&all);
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) sigdelset(&all, faults[i]);
  if (sigprocmask(SIG_SETMASK, &all, &old) < 0) { perror("berth-init: sigprocmask"); return 125; }
  if (getpid() != 1) (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

  pid_t child = fork();
  if (child < 0) { perror("berth-init: fork"); return 125; }
  if (child == 0) {
    setpgid(0, 0);
    /* Still blocked here, so taking the terminal's foreground raises no SIGTTOU. */
    if (isatty(STDIN_FILENO)) (void)tcsetpgrp(STDIN_FILENO, getpid());
    sigprocmask(SIG_SETMASK, &old, NULL);
    execvp(argv[0], argv);
    int err = errno;
    fprintf(stderr, "berth-init: exec %s: %s\n", argv[0], strerror(err));
    _exit(err == ENOENT ? 127 : 126);
  }
  /* Either process may win the race to set the group; both ask for the same one. */
  setpgid(child, child);

  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&all, &si);
    if (sig < 0) {
      if (errno == EINTR) continue;
      perror("berth-init: sigwaitinfo");
      return 125;
    }
    if (sig != SIGCHLD) {
      /* The child may have exited already; then there is nobody to tell. */
      (void)kill(child, sig);
      continue;
    }
    for (;;) {
      int st;
      pid_t p = waitpid(-1, &st, WNOHANG);
      if (p <= 0) break;
      if (p == child) return exit_status(st);
    }
  }
}
