/* The shim's records: Docker's json-file log lines and the exit file. */
#include "berth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 16384

void format_time(char *out, size_t cap) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
  if (ts.tv_nsec) {
    char frac[16];
    snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
    size_t l = strlen(frac);
    while (frac[l - 1] == '0') frac[--l] = 0; /* RFC3339Nano drops trailing zeros */
    n += (size_t)snprintf(out + n, cap - n, "%s", frac);
  }
  snprintf(out + n, cap - n, "Z");
}

int log_open(const char *path) { return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640); }

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) need = 1;
  else if (c >= 0xE0 && c <= 0xEF) { need = 2; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
  else if (c >= 0xF0 && c <= 0xF4) { need = 3; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
  else return 0;
  if (n < need + 1) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i <= need; i++) if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  return need + 1;
}

/* JSON string body as Docker's encoder writes it. out must hold 6*n+1 bytes. */
static size_t json_escape(char *out, const unsigned char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    if (c < 0x80) {
      if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
      else if (c == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
      else if (c == '\r') { out[o++] = '\\'; out[o++] = 'r'; }
      else if (c == '\t') { out[o++] = '\\'; out[o++] = 't'; }
      else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
        memcpy(out + o, "\\u00", 4); o += 4;
        out[o++] = hex[c >> 4]; out[o++] = hex[c & 15];
      } else out[o++] = (char)c;
      i++;
      continue;
    }
    size_t l = utf8_len(s + i, n - i);
    if (l == 0) { memcpy(out + o, "\\ufffd", 6); o += 6; i++; continue; }
    if (l == 3 && s[i] == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
      memcpy(out + o, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6); o += 6;
    } else { memcpy(out + o, s + i, l); o += l; }
    i += l;
  }
  return o;
}

static void emit(int logfd, const char *stream, const char *data, size_t len) {
  char t[64];
  format_time(t, sizeof(t));
  size_t cap = len * 6 + 128 + strlen(stream);
  char *line = malloc(cap);
  if (!line) return;
  size_t o = (size_t)snprintf(line, cap, "{\"log\":\"");
  o += json_escape(line + o, (const unsigned char *)data, len);
  o += (size_t)snprintf(line + o, cap - o, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, t);
  for (size_t w = 0; w < o;) {
    ssize_t r = write(logfd, line + w, o - w);
    if (r < 0) { if (errno == EINTR) continue; break; }
    w += (size_t)r;
  }
  free(line);
}

void log_feed(int logfd, struct logstream *s, const char *data, size_t len) {
  if (!s->buf && !(s->buf = malloc(LINE_MAX_BYTES))) return;
  for (size_t i = 0; i < len; i++) {
    s->buf[s->len++] = data[i];
    if (data[i] == '\n' || s->len == LINE_MAX_BYTES) {
      if (logfd >= 0) emit(logfd, s->name, s->buf, s->len);
      s->len = 0;
    }
  }
}

void log_flush(int logfd, struct logstream *s) {
  if (s->len && logfd >= 0) emit(logfd, s->name, s->buf, s->len);
  s->len = 0;
  free(s->buf);
  s->buf = NULL;
}

int write_exit_file(const char *path, int code, int sig) {
  char tmp[4096], t[64], body[256];
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  format_time(t, sizeof(t));
  int n = snprintf(body, sizeof(body), "{\"exitCode\":%d,\"signal\":%d,\"exitedAt\":\"%s\"}\n", code, sig, t);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  if (write(fd, body, (size_t)n) != n || fsync(fd) < 0) { close(fd); return -1; }
  close(fd);
  return rename(tmp, path);
}
