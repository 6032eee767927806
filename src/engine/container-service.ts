// Containers and their lifecycle: create (a record and a writable snapshot on the
// image's layers), start (mount the root filesystem, write the OCI bundle, launch
// under berth-native's shim), the exit (state, restart policy, auto-remove), stop,
// kill, wait, remove, and finding running containers again after a daemon restart.
// A container's files live in `<root>/containers/<id>/`: the bundle's config.json,
// the rootfs mountpoint, hostname/hosts/resolv.conf, the json-file log, the exit file.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { goTime } from '../image/config-json.ts';
import type { ImageStore } from '../image/image-store.ts';
import type { NetworkManager, Sandbox } from '../network/index.ts';
import type { ImageConfig } from '../oci/descriptor.ts';
import { readExitFile } from '../runtime/launch/exit-file.ts';
import type { ExitStatus } from '../runtime/launch/handshake.ts';
import type { LaunchedContainer } from '../runtime/launch/launcher.ts';
import type { RuntimeSet } from '../runtime/runc/runtime-set.ts';
import { parseSignal } from '../runtime/runc/signals.ts';
import type { DockerSeccompProfile } from '../runtime/seccomp/index.ts';
import { BerthError, conflict, invalidArgument, isBerthError, notFound } from '../util/errors.ts';
import type { ContainerCreateRequest, EndpointSettings } from './container-config.ts';
import { connectNetwork, disconnectNetwork } from './container-connect.ts';
import { type Attachment, ContainerIo } from './container-io.ts';
import { applySandbox, requestedNetworks, sandboxRequest } from './container-network.ts';
import { type ContainerRecord, initialState, ZERO_TIME } from './container-record.ts';
import type { ContainerStore } from './container-store.ts';
import { healthMonitor } from './health.ts';
import { mergedConfig } from './merged-config.ts';
import { checkName, randomName } from './names.ts';
import { restartDelayMs, shouldRestart } from './restart-policy.ts';
import { mountRootfs, unmountRootfs } from './rootfs-mount.ts';
import { containerSpec } from './spec/index.ts';
import type { VolumeStore } from './volume-store.ts';

export interface ContainerServiceOptions {
  root: string;
  containers: ContainerStore;
  volumes: VolumeStore;
  images: ImageStore;
  /** berth's own runtime and the OCI runtime commands; each container runs on the one it was created with. */
  runtime: RuntimeSet;
  /** berth-native, bound into containers started with --init. */
  nativeBinary?: string;
  /** Docker's default seccomp profile, applied unless a container asks otherwise. */
  seccompDefault?: DockerSeccompProfile;
  /** Bridge networks; without it every container gets a namespace with loopback only. */
  networks?: NetworkManager;
  warn?: (message: string, fields?: Record<string, string | number | boolean | undefined>) => void;
}

export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

const DEFAULT_STOP_TIMEOUT_S = 10;
const EXIT_POLL_MS = 250;

export class ContainerService {
  readonly events = new EventEmitter();
  private readonly io = new Map<string, ContainerIo>();
  private readonly pollers = new Map<string, NodeJS.Timeout>();
  /** Handshakes with the shims of containers this daemon started: their exits come here. */
  private readonly handles = new Map<string, LaunchedContainer>();
  private closing = false;

  constructor(private readonly o: ContainerServiceOptions) {
    this.events.setMaxListeners(0);
  }

  private get store(): ContainerStore {
    return this.o.containers;
  }

  /** The OCI runtime the containers run on (exec, stats, top and update go to it). */
  get runtime(): RuntimeSet {
    return this.o.runtime;
  }

  get images(): ImageStore {
    return this.o.images;
  }

  get volumes(): VolumeStore {
    return this.o.volumes;
  }

  get networks(): NetworkManager | undefined {
    return this.o.networks;
  }

  /** Save a changed record (for the engine's other modules: update, health). */
  save(record: ContainerRecord): void {
    this.store.save(record);
  }

  dir(id: string): string {
    return join(this.o.root, 'containers', id);
  }

  logPath(id: string): string {
    return join(this.dir(id), `${id}-json.log`);
  }

  private exitFile(id: string): string {
    return join(this.dir(id), 'exit.json');
  }

  rootfs(id: string): string {
    return join(this.dir(id), 'rootfs');
  }

  resolve(ref: string): ContainerRecord {
    return this.store.resolve(ref);
  }

  list(): ContainerRecord[] {
    return this.store.list();
  }

  /**
   * Attach to the container's live output (and stdin): now when it runs, else from its
   * next start (`docker run` attaches before it starts the container). Returns detach.
   */
  attach(id: string, a: Attachment, stdin?: Readable): () => void {
    // input that arrives before the container's stdin exists waits in the stream
    stdin?.pause();
    const connect = (io: ContainerIo) => {
      if (stdin && io.stdin) {
        const target = io.stdin;
        target.on('error', () => {});
        stdin.on('data', (c: Buffer) => target.write(c));
        stdin.on('end', () => {
          if (this.store.get(id)?.request.StdinOnce) target.end();
        });
        stdin.resume();
      }
      return io.attach(a);
    };
    const io = this.io.get(id);
    if (io) return connect(io);
    let detach = () => {};
    const onIo = (started: string) => {
      if (started !== id) return;
      this.events.off('io', onIo);
      const now = this.io.get(id);
      if (now) detach = connect(now);
    };
    this.events.on('io', onIo);
    return () => {
      this.events.off('io', onIo);
      detach();
    };
  }

  /** Where inspect says the container's files are (GraphDriver data from the snapshot's mounts). */
  async inspectPaths(r: ContainerRecord) {
    const graph: Record<string, string> = {};
    const mounts = await this.o.images.snapshots.mounts(r.snapshotKey).catch(() => []);
    for (const m of mounts)
      for (const opt of m.options) {
        const [k, v] = opt.split('=', 2);
        if (k === 'lowerdir') graph.LowerDir = v;
        if (k === 'upperdir') graph.UpperDir = v;
        if (k === 'workdir') graph.WorkDir = v;
      }
    graph.MergedDir = this.rootfs(r.id);
    const driver = this.o.images.snapshots.driver === 'overlay' ? 'overlay2' : 'vfs';
    const sandboxKey = this.o.networks?.store.sandbox(r.id)?.netns ?? '';
    return {
      dir: this.dir(r.id),
      logPath: this.logPath(r.id),
      rootfs: this.rootfs(r.id),
      graph,
      driver,
      sandboxKey,
    };
  }

  async create(
    request: ContainerCreateRequest,
    askedName?: string,
  ): Promise<{ Id: string; Warnings: string[] }> {
    if (!request.Image) throw invalidArgument('no image given: a container is made from an image');
    // chosen once, at create; inspect shows it, the default filled in as Docker does
    const runtime = this.o.runtime.nameFor(request.HostConfig?.Runtime);
    const name = askedName ? checkName(askedName) : randomName((n) => !!this.store.byName(n));
    if (askedName && this.store.byName(name)) {
      const holder = this.store.byName(name)!;
      throw conflict(
        `Conflict. The container name "/${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    const networks = requestedNetworks(request, this.o.networks);
    const image = this.imageOf(request.Image);
    const config = await this.o.images.readConfig(image);
    const { path, args } = commandOf(request, config);
    await this.o.images.ensureUnpacked(image);
    const id = randomBytes(32).toString('hex');
    const snapshotKey = `container-${id}`;
    const parent = await this.o.images.topSnapshot(image);
    await this.o.images.snapshots.prepare(snapshotKey, parent);
    try {
      mkdirSync(this.dir(id), { recursive: true, mode: 0o710 });
      const record: ContainerRecord = {
        id,
        name,
        imageId: image.id,
        imageRef: request.Image,
        created: goTime(new Date()),
        request: { ...request, HostConfig: { ...request.HostConfig, Runtime: runtime } },
        config: mergedConfig(request, config),
        path,
        args,
        state: initialState(),
        restartCount: 0,
        snapshotKey,
        manuallyStopped: false,
        mounts: [],
        networks,
      };
      this.store.add(record);
      this.events.emit('create', record);
      return { Id: id, Warnings: [] };
    } catch (err) {
      await this.o.images.snapshots.remove(snapshotKey).catch(() => {});
      rmSync(this.dir(id), { recursive: true, force: true });
      throw err;
    }
  }

  private imageOf(ref: string) {
    try {
      return this.o.images.resolve(ref);
    } catch (err) {
      if (isBerthError(err, 'NotFound')) throw notFound(`No such image: ${ref}`);
      throw err;
    }
  }

  /** Start a created or exited container; false when it was running already (HTTP 304). */
  async start(ref: string): Promise<boolean> {
    const record = this.resolve(ref);
    if (record.state.Status === 'running' || record.state.Status === 'paused') return false;
    if (record.state.Status === 'removing' || record.state.Status === 'dead')
      throw conflict(`cannot start container ${record.id.slice(0, 12)}: it is being removed`);
    await this.launch(record);
    return true;
  }

  private async launch(record: ContainerRecord): Promise<void> {
    const { id } = record;
    const rootfs = this.rootfs(id);
    const image = this.o.images.get(record.imageId);
    if (!image) throw notFound(`the image of container ${id.slice(0, 12)} (${record.imageId}) is gone`);
    const config = await this.o.images.readConfig(image);
    await mountRootfs(await this.o.images.snapshots.mounts(record.snapshotKey), rootfs);
    const net = this.o.networks;
    let sandbox: Sandbox | undefined;
    try {
      const asked = net ? sandboxRequest(record, net) : undefined;
      if (asked) sandbox = await net!.setUp(asked);
      const primary = sandbox?.endpoints[0];
      const primaryNetwork = primary ? net!.store.get(primary.networkId) : undefined;
      const built = await containerSpec({
        id,
        name: record.name,
        request: record.request,
        image: config,
        rootfs,
        containerDir: this.dir(id),
        volumes: (volumeName) => {
          const { volume, created } = this.o.volumes.create(volumeName, {});
          return { hostPath: volume.mountpoint, name: volume.name, created };
        },
        cgroupsPath: `/berth/${id}`,
        initBinary: this.o.nativeBinary,
        seccompDefault: this.o.seccompDefault,
        networkPeer: (ref) => {
          const peer = this.resolve(ref);
          return {
            hostname: peer.request.Hostname || peer.id.slice(0, 12),
            ...(peer.request.Domainname ? { domainname: peer.request.Domainname } : {}),
            containerDir: this.dir(peer.id),
          };
        },
        namespacePath: (kind, ref) => {
          const peer = this.resolve(ref);
          if (peer.state.Status !== 'running')
            throw conflict(`cannot join the ${kind} namespace of container ${ref}: it is not running`);
          return `/proc/${peer.state.Pid}/ns/${kind === 'network' ? 'net' : kind}`;
        },
        ...(sandbox
          ? { networkNamespace: sandbox.netns, addresses: sandbox.endpoints.map((e) => e.ip) }
          : {}),
        ...(net?.defaultNetwork() ? { hostGateway: net.defaultNetwork()!.gateway } : {}),
        ...(primaryNetwork && !primaryNetwork.builtin ? { nameserver: primaryNetwork.gateway } : {}),
      });
      for (const w of built.warnings) this.o.warn?.(w, { container: id });
      record.mounts = built.mounts as unknown as Record<string, unknown>[];
      record.path = built.path;
      record.args = built.args;
      writeFileSync(join(this.dir(id), 'config.json'), JSON.stringify(built.spec));
      rmSync(this.exitFile(id), { force: true });
      const rt = this.o.runtime;
      await rt.delete(id, { force: true }).catch(() => {}); // a runtime record left by a crash
      const tty = !!record.request.Tty;
      await rt.create(id, this.dir(id), {
        stdio: [record.request.OpenStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        shim: { logPath: this.logPath(id), exitFile: this.exitFile(id), forward: true },
      });
      const handle = rt.waitHeld(id)!;
      this.io.set(id, new ContainerIo(handle.stdin, handle.stdout, handle.stderr, tty));
      this.events.emit('io', id); // attachments waiting for this start connect before any output
      try {
        await rt.start(id);
      } catch (err) {
        this.io.delete(id);
        await rt.delete(id, { force: true }).catch(() => {});
        throw err;
      }
      record.state = {
        ...record.state,
        Status: 'running',
        Pid: handle.pid,
        ExitCode: 0,
        Error: '',
        StartedAt: goTime(new Date()),
        FinishedAt: ZERO_TIME,
        OOMKilled: false,
      };
      record.manuallyStopped = false;
      applySandbox(record, sandbox);
      healthMonitor(this).start(record);
      this.store.save(record);
      this.events.emit('start', record);
      this.handles.set(id, handle);
      handle.wait().then(
        (status) => {
          this.handles.delete(id);
          return this.exited(id, status);
        },
        () => {
          this.handles.delete(id);
          if (!this.closing) this.watchExitFile(id);
        },
      );
    } catch (err) {
      await unmountRootfs(rootfs);
      await net?.tearDown(id).catch((e: Error) => this.o.warn?.(e.message));
      applySandbox(record, undefined);
      const message = err instanceof Error ? err.message : String(err);
      record.state = {
        ...record.state,
        Status: record.state.Status === 'created' ? 'created' : 'exited',
        Error: message,
      };
      if (isBerthError(err) && err.code === 'InvalidArgument') record.state.ExitCode = 125;
      this.store.save(record);
      if (record.request.HostConfig?.AutoRemove) await this.remove(id, { volumes: true }).catch(() => {});
      throw err;
    }
  }

  /** After a daemon restart (or a lost handshake): learn of the exit from the shim's exit file. */
  private watchExitFile(id: string): void {
    if (this.pollers.has(id)) return;
    const timer = setInterval(async () => {
      const exit = await readExitFile(this.exitFile(id)).catch(() => undefined);
      if (!exit) return;
      clearInterval(timer);
      this.pollers.delete(id);
      await this.exited(id);
    }, EXIT_POLL_MS);
    timer.unref();
    this.pollers.set(id, timer);
  }

  /** The container's process ended: record how, release what it held, then restart or remove it. */
  private async exited(id: string, status?: ExitStatus): Promise<void> {
    const record = this.store.get(id);
    if (!record) return;
    // the shim reports the exit on the handshake before it writes the exit file
    const exit = status
      ? { ...status, exitedAt: goTime(new Date()) }
      : await readExitFile(this.exitFile(id)).catch(() => undefined);
    const oom = await this.o.runtime.oomKilled(id).catch(() => false);
    await this.o.runtime.delete(id, { force: true }).catch((e: Error) => this.o.warn?.(e.message));
    await unmountRootfs(this.rootfs(id));
    await this.o.networks?.tearDown(id).catch((e: Error) => this.o.warn?.(e.message));
    applySandbox(record, undefined);
    this.io.delete(id);
    record.state = {
      ...record.state,
      Status: 'exited',
      Pid: 0,
      ExitCode: exit?.exitCode ?? 255,
      FinishedAt: exit?.exitedAt ?? goTime(new Date()),
      OOMKilled: !!oom,
    };
    healthMonitor(this).stop(record);
    this.store.save(record);
    this.events.emit('exit', record);
    const policy = record.request.HostConfig?.RestartPolicy;
    if (!record.manuallyStopped && shouldRestart(policy, record.state.ExitCode, record.restartCount)) {
      record.restartCount++;
      record.state.Status = 'restarting';
      this.store.save(record);
      setTimeout(() => {
        const now = this.store.get(id);
        if (now?.state.Status !== 'restarting') return;
        this.launch(now).catch((e: Error) =>
          this.o.warn?.(`restarting ${id.slice(0, 12)} failed: ${e.message}`),
        );
      }, restartDelayMs(record.restartCount)).unref();
      return;
    }
    if (record.request.HostConfig?.AutoRemove)
      await this.remove(id, { volumes: true }).catch((e: Error) => this.o.warn?.(e.message));
  }

  /** Docker's wait: resolves with the exit code once the condition holds. */
  wait(ref: string, condition: WaitCondition = 'not-running'): Promise<WaitResult> {
    const record = this.resolve(ref);
    const result = (r: ContainerRecord): WaitResult => ({
      StatusCode: r.state.ExitCode,
      Error: r.state.Error ? { Message: r.state.Error } : null,
    });
    const running = ['running', 'paused', 'restarting'].includes(record.state.Status);
    if (condition === 'not-running' && !running) return Promise.resolve(result(record));
    return new Promise((resolve) => {
      const event = condition === 'removed' ? 'remove' : 'exit';
      const on = (r: ContainerRecord) => {
        if (r.id !== record.id) return;
        this.events.off(event, on);
        resolve(result(r));
      };
      this.events.on(event, on);
    });
  }

  async kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const record = this.resolve(ref);
    if (record.state.Status !== 'running' && record.state.Status !== 'paused')
      throw conflict(`cannot kill container: ${ref}: container ${record.id} is not running`);
    const number = parseSignal(signal);
    if (record.state.Status === 'paused' && number === 9)
      await this.o.runtime.resume(record.id).catch(() => {});
    await this.o.runtime.kill(record.id, number);
  }

  /** Stop with the container's stop signal, then SIGKILL after the timeout (seconds). */
  async stop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<boolean> {
    const record = this.resolve(ref);
    if (record.state.Status === 'restarting') {
      record.state.Status = 'exited';
      record.manuallyStopped = true;
      this.store.save(record);
      return true;
    }
    if (record.state.Status !== 'running' && record.state.Status !== 'paused') return false;
    record.manuallyStopped = true;
    this.store.save(record);
    const exited = this.wait(record.id, 'next-exit');
    const signal = opts.signal ?? record.request.StopSignal ?? 'SIGTERM';
    const timeout = opts.timeout ?? record.request.StopTimeout ?? DEFAULT_STOP_TIMEOUT_S;
    if (record.state.Status === 'paused') await this.o.runtime.resume(record.id).catch(() => {});
    await this.o.runtime.kill(record.id, parseSignal(signal)).catch(() => {});
    const timedOut =
      timeout < 0
        ? undefined
        : new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeout * 1000).unref());
    if ((await Promise.race([exited, ...(timedOut ? [timedOut] : [])])) === 'timeout') {
      await this.o.runtime.kill(record.id, 9).catch(() => {});
      await exited;
    }
    return true;
  }

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    let record = this.resolve(ref);
    if (['running', 'paused', 'restarting'].includes(record.state.Status)) {
      if (!opts.force)
        throw conflict(
          `cannot remove container "/${record.name}": container is ${record.state.Status}: stop the container before removing or force remove`,
        );
      if (record.state.Status === 'restarting') {
        record.state.Status = 'exited';
        this.store.save(record);
      } else {
        record.manuallyStopped = true;
        this.store.save(record);
        const exited = this.wait(record.id, 'next-exit');
        await this.kill(record.id, 'SIGKILL').catch(() => {});
        await exited;
      }
      record = this.store.get(record.id) ?? record;
      if (!this.store.get(record.id)) return; // auto-removed meanwhile
    }
    const { id } = record;
    await this.o.runtime.delete(id, { force: true }).catch(() => {});
    await unmountRootfs(this.rootfs(id));
    await this.o.networks?.tearDown(id);
    await this.o.images.snapshots.remove(record.snapshotKey).catch((e: Error) => {
      if (!isBerthError(e, 'NotFound')) throw e;
    });
    this.store.remove(id);
    rmSync(this.dir(id), { recursive: true, force: true });
    if (opts.volumes)
      for (const m of record.mounts)
        if (m.Type === 'volume' && typeof m.Name === 'string' && this.o.volumes.get(m.Name)?.anonymous)
          this.o.volumes.remove(m.Name, { force: true });
    this.events.emit('remove', record);
  }

  async pause(ref: string): Promise<void> {
    const record = this.resolve(ref);
    if (record.state.Status === 'paused') throw conflict(`container ${record.id} is already paused`);
    if (record.state.Status !== 'running') throw conflict(`container ${record.id} is not running`);
    await this.o.runtime.pause(record.id);
    record.state.Status = 'paused';
    this.store.save(record);
  }

  async unpause(ref: string): Promise<void> {
    const record = this.resolve(ref);
    if (record.state.Status !== 'paused') throw conflict(`container ${record.id} is not paused`);
    await this.o.runtime.resume(record.id);
    record.state.Status = 'running';
    this.store.save(record);
  }

  /**
   * Set the size of a running container's terminal: the shim holds the pty's master, so the
   * size is set through the slave the init has open.
   */
  async resize(ref: string, height: number, width: number): Promise<void> {
    const record = this.resolve(ref);
    if (record.state.Status !== 'running') throw conflict(`Container ${record.id} is not running`);
    if (!record.request.Tty || height <= 0 || width <= 0) return;
    // a terminal gone by now (the process just exited) is not the caller's error
    await this.o.runtime.setConsoleSize(record.id, record.state.Pid, { height, width }).catch(() => {});
  }

  /** `network connect`: now when it runs, else from its next start. */
  async connect(ref: string, network: string, settings: EndpointSettings = {}): Promise<void> {
    await connectNetwork(this.resolve(ref), network, settings, this.networkDeps());
  }

  async disconnect(ref: string, network: string, opts: { force?: boolean } = {}): Promise<void> {
    await disconnectNetwork(this.resolve(ref), network, opts, this.networkDeps());
  }

  private networkDeps() {
    if (!this.o.networks) throw new BerthError('FailedPrecondition', 'this daemon runs without networks');
    return { networks: this.o.networks, save: (r: ContainerRecord) => this.store.save(r) };
  }

  rename(ref: string, newName: string): void {
    const record = this.resolve(ref);
    const name = checkName(newName);
    if (name === record.name)
      throw invalidArgument(`Renaming a container with the same name as its current name`);
    const holder = this.store.byName(name);
    if (holder)
      throw conflict(
        `Conflict. The container name "/${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    const before = record.name;
    record.name = name;
    this.store.save(record);
    this.o.networks?.renameContainer(record.id, before, name);
  }

  /**
   * At daemon start: a container recorded as running is either still running under its
   * shim (watch its exit file) or ended while no daemon was there (record the exit now).
   * Containers with restart policy `always` (and `unless-stopped` not stopped by hand) start.
   */
  async restore(): Promise<void> {
    const running = new Set<string>();
    const ended: string[] = [];
    for (const record of this.store.list()) {
      if (!['running', 'paused', 'restarting'].includes(record.state.Status)) continue;
      const status = await this.o.runtime
        .state(record.id)
        .then((s) => s.status)
        .catch(() => 'stopped');
      if (status === 'running' || status === 'paused') {
        running.add(record.id);
        this.watchExitFile(record.id);
        healthMonitor(this).start(record);
      } else ended.push(record.id);
    }
    // networks first: a restart that exited() schedules must not be torn down as a leftover
    await this.o.networks?.reconcile(running);
    for (const id of ended) await this.exited(id).catch((e: Error) => this.o.warn?.(e.message));
    await this.removeOrphans();
  }

  /**
   * Containers of berth's runtime with no record: a build step's RUN (the builder
   * keeps no record) or a create cut short, left running or not by a crash of the
   * daemon. Nothing would ever wait for, stop or delete them: they are killed and
   * deleted, with their cgroups.
   */
  private async removeOrphans(): Promise<void> {
    const known = new Set(this.store.list().map((r) => r.id));
    for (const s of await this.o.runtime.berth.list().catch(() => [])) {
      if (known.has(s.id)) continue;
      this.o.warn?.(`removing container ${s.id.slice(0, 12)} of no record (${s.status}), left by a crash`);
      await this.o.runtime.berth
        .delete(s.id, { force: true })
        .catch((e: Error) => this.o.warn?.(`removing container ${s.id.slice(0, 12)}: ${e.message}`));
    }
  }

  /** Daemon shutdown: let go of the shims (containers keep running) and stop watching. */
  close(): void {
    for (const t of this.pollers.values()) clearInterval(t);
    this.pollers.clear();
    this.closing = true;
    for (const io of this.io.values()) io.close();
    this.io.clear();
    for (const h of this.handles.values()) h.release();
    this.handles.clear();
    this.o.runtime.releaseAll();
  }

  /** For the image store: the containers made from an image (rmi refuses while there are any). */
  containersUsing(imageId: string): { id: string; running: boolean }[] {
    return this.store
      .list()
      .filter((r) => r.imageId === imageId)
      .map((r) => ({ id: r.id, running: ['running', 'paused', 'restarting'].includes(r.state.Status) }));
  }

  snapshotsInUse(): string[] {
    return this.store.list().map((r) => r.snapshotKey);
  }

  /** Names of the containers that mount a volume. */
  volumeUsers(volume: string): string[] {
    return this.store
      .list()
      .filter((r) => r.mounts.some((m) => m.Name === volume) || mentionsVolume(r.request, volume))
      .map((r) => r.id);
  }
}

function mentionsVolume(req: ContainerCreateRequest, volume: string): boolean {
  const h = req.HostConfig ?? {};
  return (
    (h.Binds ?? []).some((b) => b.split(':')[0] === volume) ||
    (h.Mounts ?? []).some((m) => m.Type === 'volume' && m.Source === volume)
  );
}

/** Entrypoint + Cmd as Docker combines the request's with the image's. */
export function commandOf(req: ContainerCreateRequest, image: ImageConfig): { path: string; args: string[] } {
  const cfg = image.config ?? {};
  let entrypoint = req.Entrypoint ?? cfg.Entrypoint ?? [];
  let cmd = req.Cmd ?? (req.Entrypoint ? [] : (cfg.Cmd ?? []));
  if (req.Entrypoint && req.Entrypoint.length === 1 && req.Entrypoint[0] === '') entrypoint = [];
  if (req.Cmd && req.Cmd.length === 0 && !req.Entrypoint) cmd = cfg.Cmd ?? [];
  const all = [...entrypoint, ...cmd];
  if (all.length === 0)
    throw new BerthError('InvalidArgument', 'no command specified: the image has none and none was given');
  return { path: all[0], args: all.slice(1) };
}
