// Reading a bundle: config.json validated (errors name the field), the rootfs checked,
// and the parts the host cannot honour but runc silently ignores (an AppArmor profile
// on a host without AppArmor, an SELinux label without SELinux) dropped the same way.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { BerthError, errnoOf, fromErrno, invalidArgument } from '../../util/errors.ts';
import type { Process, Spec } from '../spec/types.ts';
import { parseSpec } from '../spec/validate-config.ts';

export interface Bundle {
  dir: string;
  spec: Spec;
  rootfs: string;
}

export function readBundle(bundleDir: string): Bundle {
  const dir = resolve(bundleDir);
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') {
      throw new BerthError(
        'NotFound',
        `${file}: no config.json in the bundle; make one with \`berth-runc spec\``,
      );
    }
    throw fromErrno(err, `reading ${file}`);
  }
  const spec = hostAdjusted(parseSpec(text, 'config.json'));
  const rootPath = spec.root?.path;
  if (!rootPath)
    throw invalidArgument('config.json: root.path: missing: a container needs a root filesystem');
  const rootfs = isAbsolute(rootPath) ? rootPath : resolve(dir, rootPath);
  let isDir = false;
  try {
    isDir = statSync(rootfs).isDirectory();
  } catch {}
  if (!isDir)
    throw invalidArgument(`config.json: root.path: rootfs "${rootfs}" does not exist or is not a directory`);
  return { dir, spec, rootfs };
}

const enabled = (file: string): boolean => {
  try {
    return /^[Y1]/.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
};

/**
 * The kernel raises an ambient capability only when it is also permitted and inheritable;
 * runc ignores the failure for the rest (its own `spec` lists ambient capabilities and no
 * inheritable ones), so those are left out of the plan here.
 */
export function raisableAmbient(proc: Process | undefined): void {
  const caps = proc?.capabilities;
  if (!caps?.ambient) return;
  const ok = (c: string) => (caps.inheritable ?? []).includes(c) && (caps.permitted ?? []).includes(c);
  caps.ambient = caps.ambient.filter(ok);
}

function hostAdjusted(spec: Spec): Spec {
  const proc = spec.process;
  raisableAmbient(proc);
  if (proc?.apparmorProfile && !enabled('/sys/module/apparmor/parameters/enabled'))
    delete proc.apparmorProfile;
  if (!enabled('/sys/fs/selinux/enforce')) {
    if (proc?.selinuxLabel) delete proc.selinuxLabel;
    if (spec.linux?.mountLabel) delete spec.linux.mountLabel;
  }
  return spec;
}
