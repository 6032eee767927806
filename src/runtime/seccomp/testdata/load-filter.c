/*
 * Test helper for berth's seccomp compiler: loads a compiled BPF program into
 * this process, then makes the syscalls named on the command line and prints
 * "name=errno" for each (0 when the call succeeded).
 *
 *   load-filter PROGRAM.bpf NAME...
 *
 * PROGRAM.bpf is an array of struct sock_filter as compileSeccomp() writes it.
 * Output is unbuffered, so lines printed before a SIGSYS kill are kept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ADDR_NO_RANDOMIZE_FLAG 0x0040000UL
#define AF_VSOCK_FAMILY 40
#define X32_BIT 0x40000000L

/* The i386 ABI from a 64-bit process: int $0x80 takes the 32-bit syscall table. */
static long int80(long nr, long a1) {
#if defined(__x86_64__)
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "0"(nr), "b"(a1) : "memory", "r8", "r9", "r10", "r11");
  if (ret < 0 && ret > -4096) {
    errno = (int)-ret;
    return -1;
  }
  return ret;
#else
  (void)nr;
  (void)a1;
  errno = ENOSYS;
  return -1;
#endif
}

static long run(const char *name) {
  if (!strcmp(name, "getpid")) return syscall(SYS_getpid);
  if (!strcmp(name, "personality_0")) return syscall(SYS_personality, 0UL);
  if (!strcmp(name, "personality_query")) return syscall(SYS_personality, 0xffffffffUL);
  if (!strcmp(name, "personality_norandom")) return syscall(SYS_personality, ADDR_NO_RANDOMIZE_FLAG);
  if (!strcmp(name, "socket_unix") || !strcmp(name, "socket_vsock")) {
    int fd = socket(name[7] == 'u' ? AF_UNIX : AF_VSOCK_FAMILY, SOCK_STREAM, 0);
    if (fd >= 0) close(fd);
    return fd;
  }
  /* KEYCTL_GET_KEYRING_ID (0) of KEY_SPEC_PROCESS_KEYRING (-2), without creating it. */
  if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, 0L, -2L, 0L);
  /* A size of 0 is invalid: the kernel says EINVAL, a filter may say otherwise first. */
  if (!strcmp(name, "clone3")) return syscall(SYS_clone3, NULL, 0UL);
  if (!strcmp(name, "unshare_user")) return syscall(SYS_unshare, (long)CLONE_NEWUSER);
  if (!strcmp(name, "i386_getpid")) return int80(20, 0);
  if (!strcmp(name, "i386_personality_norandom")) return int80(136, (long)ADDR_NO_RANDOMIZE_FLAG);
  if (!strcmp(name, "x32_getpid")) return syscall(X32_BIT | SYS_getpid);
  fprintf(stderr, "load-filter: unknown test %s\n", name);
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: load-filter PROGRAM.bpf NAME...\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IONBF, 0);

  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  static struct sock_filter insns[BPF_MAXINSNS + 1];
  size_t n = fread(insns, sizeof insns[0], BPF_MAXINSNS + 1, f);
  fclose(f);
  if (n == 0 || n > BPF_MAXINSNS) {
    fprintf(stderr, "load-filter: %s holds %zu instructions\n", argv[1], n);
    return 2;
  }
  struct sock_fprog prog = {.len = (unsigned short)n, .filter = insns};

  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    perror("prctl(PR_SET_NO_NEW_PRIVS)");
    return 3;
  }
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
    perror("prctl(PR_SET_SECCOMP)");
    return 3;
  }
  for (int i = 2; i < argc; i++) {
    errno = 0;
    long r = run(argv[i]);
    printf("%s=%d\n", argv[i], r < 0 ? errno : 0);
  }
  return 0;
}
