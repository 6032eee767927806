import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv-draft-04';
import { isBerthError } from '../../util/errors.ts';
import { detectCgroups } from '../cgroups/detect.ts';
import { CgroupManager } from '../cgroups/manager.ts';
import { validateState } from '../spec/validate-state.ts';
import { isValidContainerId, validateContainerId } from './container-id.ts';
import { processStartTime } from './proc-start-time.ts';
import { type ContainerState, StateStore } from './state-store.ts';

const roots: string[] = [];
const children: ChildProcess[] = [];
function store(): StateStore {
  const root = mkdtempSync(join(tmpdir(), 'berth-state-'));
  roots.push(root);
  return new StateStore(join(root, 'run'));
}
function sleeper(): ChildProcess {
  const c = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(c);
  return c;
}
const exited = (c: ChildProcess) =>
  new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.on('exit', r)));

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function state(id: string, extra: Partial<ContainerState> = {}): ContainerState {
  return {
    ociVersion: '1.2.0',
    id,
    status: 'created',
    pid: 0,
    bundle: '/bundles/x',
    rootfs: '/bundles/x/rootfs',
    created: new Date(0).toISOString(),
    annotations: { 'org.example': 'yes' },
    ...extra,
  };
}

describe('container ids', () => {
  it('accepts what runc accepts', () => {
    for (const id of ['abc', 'a.b', 'a_b-c+d', 'a,b', '0123456789abcdef', '...'])
      assert.ok(isValidContainerId(id), id);
  });
  it('refuses the rest, naming the id', () => {
    for (const id of ['', '.', '..', 'a/b', '../x', 'a b', 'ä', 'a:b']) {
      assert.throws(
        () => validateContainerId(id),
        (e) => isBerthError(e, 'InvalidArgument') && e.message.includes(`"${id}"`),
      );
    }
  });
});

describe('StateStore', () => {
  it('creates, loads, saves and lists containers', async () => {
    const s = store();
    await s.create(state('one'));
    await s.create(state('two', { status: 'running' }));
    assert.deepEqual(await s.load('one'), state('one'));
    const two = await s.load('two');
    two.status = 'stopped';
    await s.save(two);
    assert.equal((await s.load('two')).status, 'stopped');
    assert.deepEqual(
      (await s.list()).map((c) => c.id),
      ['one', 'two'],
    );
    // Atomic writes leave no temporary files, and the state is private.
    assert.deepEqual(readdirSync(s.dir('two')), ['state.json']);
    assert.equal(statSync(join(s.dir('two'), 'state.json')).mode & 0o777, 0o600);
    await s.remove('one');
    assert.deepEqual(
      (await s.list()).map((c) => c.id),
      ['two'],
    );
    await assert.rejects(
      s.load('one'),
      (e) => isBerthError(e, 'NotFound') && /container does not exist: one/.test(e.message),
    );
  });

  it("refuses an id in use with runc's words, and a bad id before touching the disk", async () => {
    const s = store();
    await s.create(state('dup'));
    await assert.rejects(
      s.create(state('dup')),
      (e) => isBerthError(e, 'Conflict') && e.message.startsWith('container with given ID already exists'),
    );
    await assert.rejects(s.create(state('../escape')), (e) => isBerthError(e, 'InvalidArgument'));
    assert.equal(existsSync(join(s.root, '..', 'escape')), false);
  });

  it('derives the status from the live process and its start time', async () => {
    const s = store();
    const child = sleeper();
    const start = await processStartTime(child.pid!);
    assert.ok(start !== undefined);
    await s.create(state('live', { status: 'running', pid: child.pid!, pidStartTime: start }));
    assert.equal(await s.status(await s.load('live')), 'running');
    assert.equal(await s.status({ ...(await s.load('live')), status: 'created' }), 'created');
    // Same pid, different start time: the pid was reused by another process.
    assert.equal(await s.status({ ...(await s.load('live')), pidStartTime: start! - 1 }), 'stopped');
    child.kill('SIGKILL');
    await exited(child);
    assert.equal(await s.status(await s.load('live')), 'stopped');
    const out = await s.ociState('live');
    assert.equal(out.pid, 0);
    assert.equal(out.status, 'stopped');
    assert.equal(await s.status(state('new', { status: 'creating' })), 'creating');
  });

  it("reports paused while the container's freezer cgroup is frozen", {
    skip: process.getuid?.() !== 0 && 'needs root',
  }, async () => {
    const layout = await detectCgroups();
    const m = new CgroupManager(layout, `/berth-test-state-${process.pid}`, { timeoutMs: 5000 });
    await m.create();
    const child = sleeper();
    try {
      await m.addProcess(child.pid!);
      const s = store();
      await s.create(
        state('p', {
          status: 'running',
          pid: child.pid!,
          pidStartTime: await processStartTime(child.pid!),
          cgroupDirs: m.dirs(),
        }),
      );
      await m.freeze();
      assert.equal(await s.status(await s.load('p')), 'paused');
      await m.thaw();
      assert.equal(await s.status(await s.load('p')), 'running');
    } finally {
      await m.thaw().catch(() => {});
      child.kill('SIGKILL');
      await exited(child);
      await m.destroy();
    }
  });

  it("prints an OCI state that runtime-spec's schema accepts", async () => {
    const schemaDir = fileURLToPath(
      new URL('../../../../shared/conformance/oci-runtime-spec/schema/', import.meta.url),
    );
    const Ajv = (AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule;
    const ajv = new (
      Ajv as unknown as new (
        o: object,
      ) => { addSchema(s: object): void; getSchema(id: string): ((d: unknown) => boolean) | undefined }
    )({ strict: false });
    for (const f of ['defs.json', 'state-schema.json']) {
      const schema = JSON.parse(readFileSync(join(schemaDir, f), 'utf8'));
      delete schema.$schema;
      ajv.addSchema({ ...schema, id: `https://berth.invalid/s/${f}` });
    }
    const validate = ajv.getSchema('https://berth.invalid/s/state-schema.json')!;
    const s = store();
    const child = sleeper();
    await s.create(
      state('oci', { status: 'created', pid: child.pid!, pidStartTime: await processStartTime(child.pid!) }),
    );
    const out = await s.ociState('oci');
    assert.deepEqual(
      { ...out },
      {
        ociVersion: '1.2.0',
        id: 'oci',
        pid: child.pid,
        status: 'created',
        bundle: '/bundles/x',
        rootfs: '/bundles/x/rootfs',
        created: new Date(0).toISOString(),
        owner: '',
        annotations: { 'org.example': 'yes' },
      },
    );
    assert.equal(validate(JSON.parse(JSON.stringify(out))), true);
    validateState(JSON.parse(JSON.stringify(out)));
    child.kill('SIGKILL');
  });

  it('serialises commands on one container within a process', async () => {
    const s = store();
    await s.create(state('l'));
    const events: string[] = [];
    const job = (name: string) =>
      s.withLock('l', async () => {
        events.push(`${name}+`);
        await new Promise((r) => setImmediate(r));
        events.push(`${name}-`);
        return name;
      });
    const results = await Promise.all([job('a'), job('b'), job('c')]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(events, ['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    assert.equal(existsSync(join(s.dir('l'), 'lock')), false);
  });

  it("waits for another process's lock, and takes over a dead holder's", async () => {
    const s = store();
    await s.create(state('x'));
    const holder = sleeper();
    writeFileSync(join(s.dir('x'), 'lock'), `${holder.pid} ${await processStartTime(holder.pid!)}`);
    await assert.rejects(
      s.withLock('x', async () => 'never', { timeoutMs: 100 }),
      (e) => isBerthError(e, 'Conflict') && e.message.includes(`pid ${holder.pid}`),
    );
    holder.kill('SIGKILL');
    await exited(holder);
    assert.equal(await s.withLock('x', async () => 'got it', { timeoutMs: 2000 }), 'got it');
  });

  it('lets exactly one of two racing processes win a start', async () => {
    const s = store();
    await s.create(state('race'));
    const script = `
      import { StateStore } from ${JSON.stringify(new URL('./state-store.ts', import.meta.url).href)};
      const s = new StateStore(${JSON.stringify(s.root)});
      const won = await s.withLock('race', async () => {
        const st = await s.load('race');
        if (st.status !== 'created') return false;
        await new Promise((r) => setTimeout(r, 50));
        await s.save({ ...st, status: 'running', pid: process.pid });
        return true;
      });
      process.stdout.write(won ? 'won' : 'lost');
    `;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        children.push(c);
        let out = '';
        c.stdout!.on('data', (d) => (out += d));
        c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      });
    const results = (await Promise.all([run(), run()])).sort();
    assert.deepEqual(results, ['lost', 'won']);
  });
});
