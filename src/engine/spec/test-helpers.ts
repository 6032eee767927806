// Shared by this folder's tests: a busybox rootfs with its own users, fixed facts about the
// "host", a volume callback that records what it was asked, and the checks every spec made
// here must pass (berth's own validator, and the launch plan the runtime would make of it).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBusyboxRootfs } from '../../../test/helpers/busybox.ts';
import { compileSeccomp, type DockerSeccompProfile } from '../../runtime/seccomp/index.ts';
import { planFromSpec } from '../../runtime/spec/plan-from-spec.ts';
import type { Spec } from '../../runtime/spec/types.ts';
import { parseSpec } from '../../runtime/spec/validate-config.ts';
import type { ContainerCreateRequest } from '../container-config.ts';
import { type ContainerSpecInput, type ContainerSpecResult, containerSpec } from './container-spec.ts';
import type { HostFacts } from './host-facts.ts';
import type { VolumeRef } from './volumes.ts';

export const ID = 'c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789';

export const DEFAULT_PROFILE = JSON.parse(
  readFileSync(new URL('../../../../shared/conformance/seccomp/default.json', import.meta.url), 'utf8'),
) as DockerSeccompProfile;

export const HOST: Partial<HostFacts> = {
  hostname: 'hosty',
  hosts: '127.0.0.1 localhost\n10.9.9.9 hosty\n',
  resolvConf: 'nameserver 10.0.0.53\nnameserver 127.0.0.11\nsearch lan\n',
  cgroupV2: false,
  cpus: 2,
  lastCap: 40,
  arch: 'amd64',
  kernel: { major: 6, minor: 1 },
  devices: () => [{ type: 'c', path: '/dev/kmsg', major: 1, minor: 11, fileMode: 0o644, uid: 0, gid: 0 }],
  mountinfo: '1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw\n',
  sysctlExists: () => true,
};

/** A temporary world: rootfs (busybox + users), container dir, volumes dir. */
export class World {
  readonly dir = mkdtempSync(join(tmpdir(), 'berth-spec-'));
  readonly rootfs = join(this.dir, 'rootfs');
  readonly containerDir = join(this.dir, 'container');
  readonly volumesDir = join(this.dir, 'volumes');
  readonly volumeCalls: [string | undefined, string][] = [];
  private anonymous = 0;

  constructor() {
    makeBusyboxRootfs(this.rootfs);
    writeFileSync(
      join(this.rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n',
    );
    writeFileSync(
      join(this.rootfs, 'etc/group'),
      'root:x:0:\nwheel:x:10:root,app\napp:x:1000:\naudio:x:29:\n',
    );
    mkdirSync(this.containerDir);
    mkdirSync(this.volumesDir);
  }

  readonly volumes = (name: string | undefined, containerPath: string): VolumeRef => {
    this.volumeCalls.push([name, containerPath]);
    const volumeName = name ?? `anon${++this.anonymous}`;
    const hostPath = join(this.volumesDir, volumeName, '_data');
    let created = false;
    try {
      mkdirSync(join(this.volumesDir, volumeName));
      created = true;
    } catch {}
    mkdirSync(hostPath, { recursive: true });
    return { hostPath, name: volumeName, created };
  };

  input(request: ContainerCreateRequest, over: Partial<ContainerSpecInput> = {}): ContainerSpecInput {
    return {
      id: ID,
      name: 'test',
      request,
      image: { config: { Cmd: ['sh'], Env: ['PATH=/usr/local/bin:/usr/bin:/bin'] } },
      rootfs: this.rootfs,
      containerDir: this.containerDir,
      volumes: this.volumes,
      cgroupsPath: `/berth/${ID}`,
      seccompDefault: DEFAULT_PROFILE,
      host: HOST,
      ...over,
    };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Throws unless berth's validator and launch planner both accept the spec. */
export function checkSpec(spec: Spec): Spec {
  const parsed = parseSpec(JSON.stringify(spec), 'container spec');
  planFromSpec(parsed, '/', {
    ...(parsed.linux?.seccomp ? { seccompProgram: compileSeccomp(parsed.linux.seccomp, 'amd64') } : {}),
    cgroupProcsFiles: [],
    cgroupMounts: [{ name: '', hostPath: '/sys/fs/cgroup' }],
  });
  return parsed;
}

/** containerSpec, then checkSpec on what it made. */
export async function make(
  world: World,
  request: ContainerCreateRequest,
  over: Partial<ContainerSpecInput> = {},
) {
  const result: ContainerSpecResult = await containerSpec(world.input(request, over));
  checkSpec(result.spec);
  return result;
}
