/* Decoding of the launch plan's wire format (../PLAN.md). Every read is
 * bounds-checked; a record must be consumed exactly. */
#include "berth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cur { const uint8_t *p; size_t left; int bad; };

static uint64_t rd_u64(struct cur *c) {
  if (c->bad || c->left < 8) { c->bad = 1; return 0; }
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | c->p[i];
  c->p += 8; c->left -= 8;
  return v;
}

static uint32_t rd_u32(struct cur *c) {
  if (c->bad || c->left < 4) { c->bad = 1; return 0; }
  uint32_t v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
  c->p += 4; c->left -= 4;
  return v;
}

static uint8_t *rd_bytes(struct cur *c, uint32_t *len) {
  uint32_t n = rd_u32(c);
  if (c->bad || c->left < n) { c->bad = 1; return NULL; }
  uint8_t *out = malloc((size_t)n + 1);
  if (!out) { c->bad = 1; return NULL; }
  memcpy(out, c->p, n);
  out[n] = 0;
  c->p += n; c->left -= n;
  *len = n;
  return out;
}

static char *rd_str(struct cur *c) {
  uint32_t n = 0;
  char *s = (char *)rd_bytes(c, &n);
  if (s && memchr(s, 0, n)) { c->bad = 1; free(s); return NULL; }
  return s;
}

#define PUSH(arr, count) \
  ((arr) = realloc((arr), ((count) + 1) * sizeof(*(arr))), (arr) ? &(arr)[(count)++] : NULL)

int plan_decode(const uint8_t *buf, size_t len, struct plan *p, char *why, size_t whylen) {
  memset(p, 0, sizeof(*p));
  p->umask = UINT64_MAX;
  if (len < 16 || memcmp(buf, "BERTHPLN", 8) != 0) { snprintf(why, whylen, "not a launch plan"); return -1; }
  struct cur h = { buf + 8, 8, 0 };
  uint32_t version = rd_u32(&h), body = rd_u32(&h);
  if (version != BERTH_PLAN_VERSION) { snprintf(why, whylen, "plan version %u, this berth-native reads %d", version, BERTH_PLAN_VERSION); return -1; }
  if (body != len - 16) { snprintf(why, whylen, "plan body is %zu bytes, header says %u", len - 16, body); return -1; }
  struct cur c = { buf + 16, body, 0 };
  int seen_root = 0, seen_user = 0, seen_exec = 0, seen_cwd = 0;
  while (c.left > 0) {
    if (c.left < 8) { snprintf(why, whylen, "truncated record header"); return -1; }
    uint16_t tag = (uint16_t)(c.p[0] | c.p[1] << 8), flags = (uint16_t)(c.p[2] | c.p[3] << 8);
    uint32_t n = (uint32_t)c.p[4] | (uint32_t)c.p[5] << 8 | (uint32_t)c.p[6] << 16 | (uint32_t)c.p[7] << 24;
    c.p += 8; c.left -= 8;
    if (n > c.left) { snprintf(why, whylen, "record %u overruns the plan", tag); return -1; }
    struct cur r = { c.p, n, 0 };
    c.p += n; c.left -= n;
    switch (tag) {
    case 1: p->clone_flags = rd_u64(&r); break;
    case 2: { struct nsjoin *j = PUSH(p->join, p->njoin); if (!j) goto oom; j->type = rd_u64(&r); j->path = rd_str(&r); break; }
    case 3: case 4: {
      struct idmap *m = tag == 3 ? PUSH(p->uidmap, p->nuid) : PUSH(p->gidmap, p->ngid);
      if (!m) goto oom;
      m->inside = rd_u64(&r); m->outside = rd_u64(&r); m->size = rd_u64(&r);
      break;
    }
    case 5: p->setgroups_deny = 1; break;
    case 6:
      seen_root = 1;
      p->root = rd_str(&r); p->root_propagation = rd_u64(&r);
      p->root_readonly = rd_u64(&r) != 0; p->pivot_root = rd_u64(&r) != 0;
      break;
    case 7: {
      struct pmount *m = PUSH(p->mount, p->nmount);
      if (!m) goto oom;
      m->source = rd_str(&r); m->target = rd_str(&r); m->fstype = rd_str(&r);
      m->flags = rd_u64(&r); m->data = rd_str(&r); m->nprop = rd_u64(&r);
      if (m->nprop > 64) { r.bad = 1; break; }
      m->prop = calloc(m->nprop + 1, sizeof(uint64_t));
      if (!m->prop) goto oom;
      for (uint64_t i = 0; i < m->nprop; i++) m->prop[i] = rd_u64(&r);
      break;
    }
    case 8: {
      struct pdevice *d = PUSH(p->device, p->ndevice);
      if (!d) goto oom;
      d->path = rd_str(&r); d->type = rd_u64(&r); d->major = rd_u64(&r); d->minor = rd_u64(&r);
      d->mode = rd_u64(&r); d->uid = rd_u64(&r); d->gid = rd_u64(&r); d->bind = rd_str(&r);
      break;
    }
    case 9: case 14: {
      struct pair *kv = tag == 9 ? PUSH(p->link, p->nlink) : PUSH(p->sysctl, p->nsysctl);
      if (!kv) goto oom;
      kv->a = rd_str(&r); kv->b = rd_str(&r);
      break;
    }
    case 10: case 11: case 16: case 24: case 25: {
      char ***arr = tag == 10 ? &p->masked : tag == 11 ? &p->readonly : tag == 16 ? &p->cgroup : tag == 24 ? &p->env : &p->args;
      size_t *cnt = tag == 10 ? &p->nmasked : tag == 11 ? &p->nreadonly : tag == 16 ? &p->ncgroup : tag == 24 ? &p->nenv : &p->nargs;
      char **s = PUSH(*arr, *cnt);
      if (!s) goto oom;
      *s = rd_str(&r);
      break;
    }
    case 12: free(p->hostname); p->hostname = rd_str(&r); break;
    case 13: free(p->domainname); p->domainname = rd_str(&r); break;
    case 15: { struct prlim *l = PUSH(p->rlimit, p->nrlimit); if (!l) goto oom; l->resource = rd_u64(&r); l->soft = rd_u64(&r); l->hard = rd_u64(&r); break; }
    case 17: p->has_oom = 1; p->oom = (int64_t)rd_u64(&r); break;
    case 18: p->has_personality = 1; p->personality = rd_u64(&r); break;
    case 19: p->has_caps = 1; for (int i = 0; i < 5; i++) p->caps[i] = rd_u64(&r); break;
    case 20: p->nnp = 1; break;
    case 21: {
      p->has_seccomp = 1; p->seccomp_flags = rd_u64(&r);
      p->seccomp_prog = rd_bytes(&r, &p->seccomp_len);
      if (!r.bad && (p->seccomp_len == 0 || p->seccomp_len % 8 != 0 || p->seccomp_len / 8 > 65535)) r.bad = 1;
      break;
    }
    case 22:
      seen_user = 1;
      p->uid = rd_u64(&r); p->gid = rd_u64(&r); p->umask = rd_u64(&r); p->ngids = rd_u64(&r);
      if (p->ngids > 65536) { r.bad = 1; break; }
      p->gids = calloc(p->ngids + 1, sizeof(uint64_t));
      if (!p->gids) goto oom;
      for (size_t i = 0; i < p->ngids; i++) p->gids[i] = rd_u64(&r);
      break;
    case 23: seen_cwd = 1; free(p->cwd); p->cwd = rd_str(&r); break;
    case 26: seen_exec = 1; free(p->exec); p->exec = rd_str(&r); break;
    case 27: p->terminal = 1; break;
    default:
      if (flags & 1) continue;
      snprintf(why, whylen, "unknown record tag %u", tag);
      return -1;
    }
    if (r.bad || r.left != 0) { snprintf(why, whylen, "malformed record tag %u", tag); return -1; }
  }
  /* without ROOT the process joins a running container's mount namespace (exec): no filesystem setup */
  if (!seen_root && (p->nmount || p->ndevice || p->nlink || p->nmasked || p->nreadonly || p->nsysctl)) {
    snprintf(why, whylen, "plan has mounts, devices, links, masked, read-only paths or sysctls but no root");
    return -1;
  }
  if (!seen_user || !seen_exec || !seen_cwd || p->nargs == 0) {
    snprintf(why, whylen, "plan lacks user, cwd, exec or args");
    return -1;
  }
  /* NULL-terminated vectors for execve */
  if (!PUSH(p->env, p->nenv) || !PUSH(p->args, p->nargs)) goto oom;
  p->env[--p->nenv] = NULL;
  p->args[--p->nargs] = NULL;
  return 0;
oom:
  snprintf(why, whylen, "out of memory");
  return -1;
}
