// The validator of image configs (OCI `application/vnd.oci.image.config.v1+json` and Docker's
// `application/vnd.docker.container.image.v1+json`), after image-spec's config schema plus
// upstream's checks beyond it: every Env entry is NAME=value, and rootfs.diff_ids are digests.
// Docker's own members that the schema leaves out (Healthcheck, OnBuild, Shell, comment,
// docker_version) are type-checked when present, since the runtime reads them.
// One leniency: `config.Env` may be null. Docker's classic builder writes that for an image
// with no environment, and converting such an image to OCI keeps the config's bytes.
import type { ImageConfig } from './descriptor.ts';
import {
  At,
  type JsonObject,
  optional,
  required,
  wantArrayOf,
  wantBoolean,
  wantDigest,
  wantInteger,
  wantObject,
  wantObjectMap,
  wantString,
  wantStringArray,
  wantStringMap,
} from './validate-fields.ts';
import { wantDateTime } from './validate-formats.ts';

const orNull =
  <T>(check: (v: unknown, at: At) => T) =>
  (v: unknown, at: At): T | null =>
    v === null ? null : check(v, at);

const ENV_RE = /^[^=]+=/;

function checkEnvEntry(v: unknown, at: At): string {
  const e = wantString(v, at);
  if (!ENV_RE.test(e)) at.fail(`invalid environment entry "${e}": want NAME=value`);
  return e;
}

const checkEnv = (v: unknown, at: At) => wantArrayOf(v, at, checkEnvEntry);

function checkHealthcheck(v: unknown, at: At): void {
  const h = wantObject(v, at);
  optional(h, 'Test', at, orNull(wantStringArray));
  for (const name of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval']) {
    optional(h, name, at, (d, dat) => wantInteger(d, dat, 0));
  }
  optional(h, 'Retries', at, (r, rat) => wantInteger(r, rat, 0));
}

function checkContainerConfig(v: unknown, at: At): void {
  const c = wantObject(v, at);
  optional(c, 'User', at, wantString);
  optional(c, 'ExposedPorts', at, wantObjectMap);
  optional(c, 'Env', at, orNull(checkEnv));
  optional(c, 'Entrypoint', at, orNull(wantStringArray));
  optional(c, 'Cmd', at, orNull(wantStringArray));
  optional(c, 'Volumes', at, orNull(wantObjectMap));
  optional(c, 'WorkingDir', at, wantString);
  optional(c, 'Labels', at, orNull(wantStringMap));
  optional(c, 'StopSignal', at, wantString);
  optional(c, 'ArgsEscaped', at, wantBoolean);
  optional(c, 'Healthcheck', at, checkHealthcheck);
  optional(c, 'OnBuild', at, orNull(wantStringArray));
  optional(c, 'Shell', at, wantStringArray);
}

function checkRootfs(v: unknown, at: At): void {
  const r = wantObject(v, at);
  const dat = at.key('diff_ids');
  wantArrayOf(required(r, 'diff_ids', at), dat, wantDigest);
  const tat = at.key('type');
  const type = wantString(required(r, 'type', at), tat);
  if (type !== 'layers') tat.fail(`want "layers", got "${type}"`);
}

function checkHistoryEntry(v: unknown, at: At): void {
  const h = wantObject(v, at);
  optional(h, 'created', at, wantDateTime);
  optional(h, 'author', at, wantString);
  optional(h, 'created_by', at, wantString);
  optional(h, 'comment', at, wantString);
  optional(h, 'empty_layer', at, wantBoolean);
}

export function validateImageConfig(v: unknown, docName = 'image config'): ImageConfig {
  const at = new At(docName);
  const doc: JsonObject = wantObject(v, at);
  wantString(required(doc, 'architecture', at), at.key('architecture'));
  wantString(required(doc, 'os', at), at.key('os'));
  optional(doc, 'created', at, wantDateTime);
  optional(doc, 'author', at, wantString);
  optional(doc, 'variant', at, wantString);
  optional(doc, 'os.version', at, wantString);
  optional(doc, 'os.features', at, wantStringArray);
  optional(doc, 'config', at, checkContainerConfig);
  checkRootfs(required(doc, 'rootfs', at), at.key('rootfs'));
  optional(doc, 'history', at, (h, hat) => wantArrayOf(h, hat, checkHistoryEntry));
  optional(doc, 'comment', at, wantString);
  optional(doc, 'docker_version', at, wantString);
  return doc as unknown as ImageConfig;
}
