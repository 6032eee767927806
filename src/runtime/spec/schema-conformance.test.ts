// berth's hand-written runtime-spec validators against the runtime-spec's own JSON schemas,
// run here with ajv (draft-04, a test-only dependency). Every fixture in schema/test/ must
// get the verdict its folder gives it (good or bad) from both, and a table of mutations of
// a full config.json must get the same verdict from both.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv-draft-04';
import { isBerthError } from '../../util/errors.ts';
import { defaultSpec, runcSpec } from './defaults.ts';
import { parseSpec } from './validate-config.ts';
import { parseFeatures, parseState } from './validate-state.ts';

const SCHEMA_DIR = fileURLToPath(
  new URL('../../../../shared/conformance/oci-runtime-spec/schema/', import.meta.url),
);
const SKIP = existsSync(SCHEMA_DIR) ? false : `runtime-spec schemas not found at ${SCHEMA_DIR}`;
const BASE = 'https://berth.invalid/runtime-spec/schema/';

type Kind = 'config' | 'state' | 'features';
const ENTRY: Record<Kind, string> = {
  config: 'config-schema.json',
  state: 'state-schema.json',
  features: 'features-schema.json',
};
const BERTH: Record<Kind, (text: string) => unknown> = {
  config: parseSpec,
  state: parseState,
  features: parseFeatures,
};

type Validate = ((doc: unknown) => boolean) & { errors?: unknown };

function loadAjv(): Record<Kind, Validate> {
  const Ajv = (AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule;
  const ajv = new (
    Ajv as unknown as new (
      o: object,
    ) => {
      addSchema(s: object): void;
      getSchema(id: string): Validate | undefined;
    }
  )({ strict: false, allErrors: false });
  for (const file of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json'))) {
    const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as Record<string, unknown>;
    // The files carry no ids; their relative $refs resolve against one made-up base.
    delete schema.$schema;
    ajv.addSchema({ ...schema, id: BASE + file });
  }
  const get = (k: Kind) => {
    const v = ajv.getSchema(BASE + ENTRY[k]);
    assert.ok(v, `ajv compiled ${ENTRY[k]}`);
    return v;
  };
  return { config: get('config'), state: get('state'), features: get('features') };
}

function ajvVerdict(v: Validate, text: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return false;
  }
  return v(doc);
}

function berthVerdict(kind: Kind, text: string): { ok: boolean; message?: string } {
  try {
    BERTH[kind](text);
    return { ok: true };
  } catch (err) {
    assert.ok(isBerthError(err, 'InvalidArgument'), `berth fails with InvalidArgument, got ${err}`);
    return { ok: false, message: err.message };
  }
}

describe('runtime-spec schema fixtures', { skip: SKIP }, () => {
  const ajv = SKIP ? undefined : loadAjv();
  let seen = 0;
  for (const kind of ['config', 'state', 'features'] as Kind[]) {
    for (const verdict of ['good', 'bad'] as const) {
      const dir = join(SCHEMA_DIR, 'test', kind, verdict);
      if (!existsSync(dir)) continue;
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
        seen++;
        it(`${kind}/${verdict}/${file}`, () => {
          const text = readFileSync(join(dir, file), 'utf8');
          const want = verdict === 'good';
          assert.equal(
            ajvVerdict(ajv![kind], text),
            want,
            `ajv says ${kind}/${verdict}/${file} is ${verdict}`,
          );
          const got = berthVerdict(kind, text);
          assert.equal(got.ok, want, `berth: ${got.message ?? 'valid'}`);
        });
      }
    }
  }
  it('found the fixtures', () => assert.ok(seen >= 19, `saw ${seen} fixtures`));
});

// A full Linux config.json with every section the mutations below touch.
function fullConfig(): Record<string, unknown> {
  const spec = defaultSpec({ args: ['sh'], env: ['PATH=/bin'] }) as unknown as Record<string, unknown>;
  const linux = spec.linux as Record<string, unknown>;
  linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  linux.resources = {
    ...(linux.resources as object),
    memory: { limit: 1 << 25, swap: 1 << 26, reservation: 1 << 24 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
    pids: { limit: 10 },
    blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 10 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
  };
  linux.seccomp = {
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
    ],
  };
  linux.sysctl = { 'net.ipv4.ip_forward': '1' };
  spec.hooks = { prestart: [{ path: '/bin/true', timeout: 3 }] };
  return spec;
}

// biome-ignore lint/suspicious/noExplicitAny: the mutations reach into an untyped JSON document
type Mutation = [string, (c: Record<string, any>) => void, string?];

const MUTATIONS: Mutation[] = [
  ['unchanged', () => {}],
  ['ociVersion missing', (c) => delete c.ociVersion, 'missing required field "ociVersion"'],
  ['ociVersion a number', (c) => (c.ociVersion = 1), 'ociVersion: want a string'],
  ['process.cwd missing', (c) => delete c.process.cwd, 'process: missing required field "cwd"'],
  ['process.args not strings', (c) => (c.process.args = ['sh', 1]), 'process.args[1]: want a string'],
  ['process.terminal a string', (c) => (c.process.terminal = 'yes'), 'process.terminal'],
  ['process.user.uid negative', (c) => (c.process.user.uid = -1), 'process.user.uid: -1 is out of range'],
  ['process.user.uid too big', (c) => (c.process.user.uid = 2 ** 32), 'process.user.uid'],
  ['process.user.additionalGids', (c) => (c.process.user.additionalGids = [1, 'x']), 'additionalGids[1]'],
  ['process.consoleSize missing width', (c) => (c.process.consoleSize = { height: 1 }), '"width"'],
  [
    'process.rlimits bad type',
    (c) => (c.process.rlimits = [{ type: 'nofile', soft: 1, hard: 1 }]),
    'rlimits[0].type',
  ],
  [
    'process.rlimits missing soft',
    (c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 1 }]),
    '"soft"',
  ],
  ['process.rlimits fine', (c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }])],
  [
    'process.capabilities not array',
    (c) => (c.process.capabilities.bounding = 'CAP_KILL'),
    'capabilities.bounding',
  ],
  ['process.oomScoreAdj float', (c) => (c.process.oomScoreAdj = 1.5), 'oomScoreAdj'],
  [
    'process.ioPriority bad class',
    (c) => (c.process.ioPriority = { class: 'X' }),
    'unknown I/O priority class "X"',
  ],
  ['process.scheduler fine', (c) => (c.process.scheduler = { policy: 'SCHED_BATCH', nice: 1 })],
  ['process.scheduler bad', (c) => (c.process.scheduler = { policy: 'SCHED_FOO' }), 'scheduler policy'],
  ['process.execCPUAffinity bad', (c) => (c.process.execCPUAffinity = { initial: 'a' }), 'CPU list'],
  ['root.path missing', (c) => (c.root = { readonly: true }), 'root: missing required field "path"'],
  ['root.readonly a string', (c) => (c.root.readonly = 'true'), 'root.readonly'],
  ['mounts[1] no destination', (c) => delete c.mounts[1].destination, 'mounts[1]: missing required field'],
  ['mounts[0].options not array', (c) => (c.mounts[0].options = 'ro'), 'mounts[0].options'],
  ['mounts idmap fine', (c) => (c.mounts[0].uidMappings = [{ containerID: 0, hostID: 1, size: 1 }])],
  ['mounts idmap missing size', (c) => (c.mounts[0].uidMappings = [{ containerID: 0, hostID: 1 }]), '"size"'],
  ['hooks timeout 0', (c) => (c.hooks.prestart[0].timeout = 0), 'hooks.prestart[0].timeout'],
  ['hooks no path', (c) => (c.hooks.poststop = [{ args: [] }]), 'hooks.poststop[0]'],
  ['annotations non-string', (c) => (c.annotations = { a: 1 }), 'annotations.a: want a string'],
  ['annotations empty key', (c) => (c.annotations = { '': 1 })],
  ['hostname number', (c) => (c.hostname = 5), 'hostname'],
  ['namespace unknown', (c) => c.linux.namespaces.push({ type: 'foo' }), 'unknown namespace type "foo"'],
  [
    'namespace no type',
    (c) => c.linux.namespaces.push({ path: '/proc/1/ns/net' }),
    'missing required field "type"',
  ],
  ['namespace with path', (c) => c.linux.namespaces.push({ type: 'time', path: '/proc/1/ns/time' })],
  ['uidMappings bad', (c) => (c.linux.uidMappings[0].hostID = -5), 'linux.uidMappings[0].hostID'],
  ['devices bad type', (c) => (c.linux.devices = [{ type: 'x', path: '/dev/x' }]), 'invalid device type "x"'],
  [
    'devices fileMode octal',
    (c) => (c.linux.devices = [{ type: 'c', path: '/dev/x', fileMode: 666 }]),
    '0666 is 438',
  ],
  [
    'devices fine',
    (c) => (c.linux.devices = [{ type: 'c', path: '/dev/x', major: 1, minor: 3, fileMode: 438 }]),
  ],
  ['resources.devices no allow', (c) => (c.linux.resources.devices = [{ access: 'rwm' }]), '"allow"'],
  ['resources.memory.limit string', (c) => (c.linux.resources.memory.limit = '1g'), 'memory.limit'],
  ['resources.memory.swappiness -1', (c) => (c.linux.resources.memory.swappiness = -1), 'swappiness'],
  ['resources.cpu.shares float', (c) => (c.linux.resources.cpu.shares = 1.5), 'cpu.shares'],
  ['resources.cpu.quota -1', (c) => (c.linux.resources.cpu.quota = -1)],
  ['resources.pids no limit', (c) => (c.linux.resources.pids = {}), 'pids: missing required field "limit"'],
  ['resources.blockIO weight big', (c) => (c.linux.resources.blockIO.weight = 70000), 'blockIO.weight'],
  [
    'resources.blockIO dev no minor',
    (c) => delete c.linux.resources.blockIO.weightDevice[0].minor,
    '"minor"',
  ],
  [
    'resources.blockIO throttle',
    (c) => (c.linux.resources.blockIO.throttleReadBpsDevice = [{ major: 8, minor: 0, rate: -1 }]),
    'rate',
  ],
  ['resources.hugepage kB', (c) => (c.linux.resources.hugepageLimits[0].pageSize = '64kB'), 'huge page size'],
  ['resources.unified fine', (c) => (c.linux.resources.unified = { 'memory.high': '1G' })],
  [
    'resources.network prio',
    (c) => (c.linux.resources.network = { priorities: [{ name: 'eth0' }] }),
    '"priority"',
  ],
  ['resources.rdma bad', (c) => (c.linux.resources.rdma = { m: { hcaHandles: 'x' } }), 'rdma.m.hcaHandles'],
  ['netDevices bad', (c) => (c.linux.netDevices = { eth0: { name: 1 } }), 'netDevices.eth0.name'],
  ['rootfsPropagation bad', (c) => (c.linux.rootfsPropagation = 'rslave'), 'unknown rootfs propagation'],
  ['rootfsPropagation fine', (c) => (c.linux.rootfsPropagation = 'slave')],
  ['seccomp no defaultAction', (c) => delete c.linux.seccomp.defaultAction, '"defaultAction"'],
  [
    'seccomp bad action',
    (c) => (c.linux.seccomp.syscalls[0].action = 'ALLOW'),
    'unknown seccomp action "ALLOW"',
  ],
  ['seccomp empty names', (c) => (c.linux.seccomp.syscalls[0].names = []), 'want at least 1'],
  ['seccomp bad arch', (c) => c.linux.seccomp.architectures.push('x86'), 'seccomp architecture'],
  ['seccomp bad op', (c) => (c.linux.seccomp.syscalls[0].args[0].op = 'EQ'), 'seccomp operator'],
  ['seccomp bad flag', (c) => (c.linux.seccomp.flags = ['TSYNC']), 'seccomp flag'],
  ['sysctl non-string', (c) => (c.linux.sysctl = { 'kernel.x': 1 }), 'linux.sysctl["kernel.x"]'],
  ['maskedPaths bad', (c) => (c.linux.maskedPaths = [1]), 'maskedPaths[0]'],
  ['personality bad', (c) => (c.linux.personality = { domain: 'LINUX64' }), 'personality domain'],
  ['intelRdt bad', (c) => (c.linux.intelRdt = { memBwSchema: 'L3:0' }), 'memory bandwidth'],
  ['memoryPolicy bad', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_X' }), 'memory policy mode'],
  [
    'timeOffsets bad',
    (c) => (c.linux.timeOffsets = { boottime: { nanosecs: -1 } }),
    'timeOffsets.boottime.nanosecs',
  ],
  ['windows without layerFolders', (c) => (c.windows = {}), '"layerFolders"'],
  ['vm without kernel', (c) => (c.vm = {}), '"kernel"'],
  [
    'vm bad image format',
    (c) => (c.vm = { kernel: { path: 'k' }, image: { path: 'i', format: 'iso' } }),
    'image format',
  ],
  ['solaris anet bad', (c) => (c.solaris = { anet: [{ linkname: 1 }] }), 'solaris.anet[0].linkname'],
  ['freebsd vnet disable', (c) => (c.freebsd = { jail: { vnet: 'disable' } }), 'sharing mode'],
  ['zos namespace time', (c) => (c.zos = { namespaces: [{ type: 'time' }] }), 'namespace type'],
  ['unknown top-level member', (c) => (c.extension = { anything: true })],
];

describe('config.json mutations: berth and the schema agree', { skip: SKIP }, () => {
  const ajv = SKIP ? undefined : loadAjv();
  for (const [name, mutate, want] of MUTATIONS) {
    it(name, () => {
      const doc = fullConfig();
      mutate(doc);
      const text = JSON.stringify(doc);
      const schemaOk = ajvVerdict(ajv!.config, text);
      const got = berthVerdict('config', text);
      assert.equal(got.ok, schemaOk, `berth says ${got.message ?? 'valid'}; the schema says ${schemaOk}`);
      assert.equal(schemaOk, want === undefined, 'the table row expects this verdict');
      if (want) assert.match(got.message!, new RegExp(want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      if (want) assert.match(got.message!, /^config\.json: /);
    });
  }
  it('an array is not a config', () => {
    assert.equal(ajvVerdict(ajv!.config, '[]'), false);
    assert.match(berthVerdict('config', '[]').message!, /config\.json: want an object, got an array/);
  });
  it('the defaults are valid', () => {
    for (const spec of [defaultSpec({ args: ['true'] }), runcSpec()]) {
      const text = JSON.stringify(spec);
      assert.equal(ajvVerdict(ajv!.config, text), true);
      assert.equal(berthVerdict('config', text).ok, true);
    }
  });
});
