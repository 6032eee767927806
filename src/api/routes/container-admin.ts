// POST /containers/prune and POST /containers/{id}/update. Prune removes the
// containers that are not running (the `until` and `label` filters narrow it) and
// reports the size of their writable layers. Update lays Docker's UpdateConfig
// (resources and the restart policy) over the container's HostConfig with Docker's
// rules, checks the result as create does, applies it to the running container's
// cgroups and keeps it in the record, so the next start and `inspect` see it.
//
// One departure from Docker: a memory limit on a container that has no swap limit
// is accepted (swap becomes twice the memory, as at create); Docker refuses it with
// "Memory limit should be smaller than already set memoryswap limit", which only
// makes sense for a container that has a swap limit.
import { availableParallelism } from 'node:os';
import { validateRestartPolicy } from '../../cli/container/index.ts';
import type { HostConfig, RestartPolicy } from '../../engine/container-config.ts';
import type { ContainerRecord } from '../../engine/container-record.ts';
import type { ContainerService } from '../../engine/container-service.ts';
import { containerResources } from '../../engine/spec/resources.ts';
import { BerthError, conflict, invalidArgument, isBerthError } from '../../util/errors.ts';
import { parseFilterTime, parseTimeNanos } from '../../util/time.ts';
import type { RouteModule } from '../daemon-context.ts';
import type { Filters } from '../query.ts';
import { cgroupVersion } from '../system-info.ts';
import { labelsMatch } from './image-filters.ts';
import { directorySize } from './volumes.ts';

const PRUNE_FILTERS = ['label', 'label!', 'until'] as const;
const ACTIVE = ['running', 'paused', 'restarting', 'removing'];

/** Bytes in the container's writable layer (its overlay upper directory; the whole copy on vfs). */
export async function containerSizeRw(svc: ContainerService, r: ContainerRecord): Promise<number> {
  const { graph } = await svc.inspectPaths(r);
  if (graph.UpperDir) return directorySize(graph.UpperDir);
  return (await svc.images.snapshots.usage(r.snapshotKey).catch(() => ({ size: 0 }))).size;
}

export interface ContainerPruneReport {
  ContainersDeleted: string[] | null;
  SpaceReclaimed: number;
}

/** POST /containers/prune: every container not running that passes the filters. */
export async function pruneContainers(
  svc: ContainerService,
  filters: Filters,
): Promise<ContainerPruneReport> {
  filters.validate(PRUNE_FILTERS);
  const until = filters.get('until').map((v) => parseFilterTime(v, 'until'));
  const deleted: string[] = [];
  let space = 0;
  for (const r of svc.list()) {
    if (ACTIVE.includes(r.state.Status)) continue;
    const created = parseTimeNanos(r.created) ?? 0n;
    if (until.some((t) => created > t)) continue;
    const labels = r.config.Labels ?? r.request.Labels ?? {};
    if (!labelsMatch(labels, filters.get('label'))) continue;
    if (filters.get('label!').some((l) => labelsMatch(labels, [l]))) continue;
    const size = await containerSizeRw(svc, r);
    try {
      await svc.remove(r.id);
    } catch (err) {
      // started or removed meanwhile: not pruned
      if (isBerthError(err, 'Conflict') || isBerthError(err, 'NotFound')) continue;
      throw err;
    }
    deleted.push(r.id);
    space += size;
  }
  return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: space };
}

/** Docker's UpdateConfig: the resource fields of HostConfig and the restart policy. */
export type UpdateConfig = Pick<
  HostConfig,
  | 'BlkioWeight'
  | 'CpuShares'
  | 'NanoCpus'
  | 'CpuPeriod'
  | 'CpuQuota'
  | 'CpuRealtimePeriod'
  | 'CpuRealtimeRuntime'
  | 'CpusetCpus'
  | 'CpusetMems'
  | 'Memory'
  | 'MemorySwap'
  | 'MemoryReservation'
  | 'KernelMemory'
  | 'PidsLimit'
  | 'RestartPolicy'
>;

// Set when non-zero, as Docker reads an update: zero means "leave as it is".
const NUMBER_FIELDS = [
  'BlkioWeight',
  'CpuShares',
  'NanoCpus',
  'CpuPeriod',
  'CpuQuota',
  'CpuRealtimePeriod',
  'CpuRealtimeRuntime',
  'Memory',
  'MemorySwap',
  'MemoryReservation',
  'KernelMemory',
] as const;
const STRING_FIELDS = ['CpusetCpus', 'CpusetMems'] as const;

function checkUpdateBody(body: unknown): UpdateConfig {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw invalidArgument('the body must be a JSON object: the update config');
  const b = body as Record<string, unknown>;
  for (const f of NUMBER_FIELDS) {
    const v = b[f];
    if (v !== undefined && v !== null && !Number.isInteger(v))
      throw invalidArgument(`${f} must be an integer`);
  }
  for (const f of STRING_FIELDS) {
    const v = b[f];
    if (v !== undefined && v !== null && typeof v !== 'string')
      throw invalidArgument(`${f} must be a string`);
  }
  if (b.PidsLimit !== undefined && b.PidsLimit !== null && !Number.isInteger(b.PidsLimit))
    throw invalidArgument('PidsLimit must be an integer');
  const p = b.RestartPolicy as RestartPolicy | undefined | null;
  if (p !== undefined && p !== null) {
    if (typeof p !== 'object' || (p.Name !== undefined && typeof p.Name !== 'string'))
      throw invalidArgument('RestartPolicy must be an object with a Name');
    if (p.MaximumRetryCount !== undefined && !Number.isInteger(p.MaximumRetryCount))
      throw invalidArgument('RestartPolicy.MaximumRetryCount must be an integer');
  }
  return b as UpdateConfig;
}

/** The container's HostConfig with the update laid over it; throws Docker's conflicts. */
export function mergeUpdate(current: HostConfig, u: UpdateConfig, id: string): HostConfig {
  const cannot = (message: string) => conflict(`Cannot update container ${id}: ${message}`);
  // NanoCpus and CFS period/quota describe the same limit: one may not be changed once the other is set.
  if ((u.NanoCpus ?? 0) > 0 && (current.CpuPeriod ?? 0) > 0)
    throw cannot('Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set');
  if ((u.NanoCpus ?? 0) > 0 && (current.CpuQuota ?? 0) > 0)
    throw cannot('Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set');
  if ((u.CpuPeriod ?? 0) > 0 && (current.NanoCpus ?? 0) > 0)
    throw cannot('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
  if ((u.CpuQuota ?? 0) > 0 && (current.NanoCpus ?? 0) > 0)
    throw cannot('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');

  const next: HostConfig = { ...current };
  for (const f of NUMBER_FIELDS) {
    const v = u[f];
    if (typeof v === 'number' && v !== 0) next[f] = v;
  }
  for (const f of STRING_FIELDS) {
    const v = u[f];
    if (v) next[f] = v;
  }
  const memory = u.Memory ?? 0;
  if (memory !== 0 && !u.MemorySwap) {
    // create's default, made explicit so it stays as it was: swap is twice the old limit
    const swap = current.MemorySwap || ((current.Memory ?? 0) > 0 ? current.Memory! * 2 : 0);
    if (swap > 0 && memory > swap)
      throw cannot(
        'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time',
      );
    if (swap !== 0) next.MemorySwap = swap;
  }
  if (u.PidsLimit !== undefined && u.PidsLimit !== null) next.PidsLimit = u.PidsLimit;
  const policy = u.RestartPolicy;
  if (policy?.Name) {
    try {
      validateRestartPolicy(policy.Name, policy.MaximumRetryCount ?? 0);
    } catch (err) {
      throw invalidArgument((err as Error).message);
    }
    if (current.AutoRemove && policy.Name !== 'no')
      throw cannot('Restart policy cannot be updated because AutoRemove is enabled for the container');
    next.RestartPolicy = { Name: policy.Name, MaximumRetryCount: policy.MaximumRetryCount ?? 0 };
  }
  return next;
}

/** POST /containers/{id}/update. */
export async function updateContainer(
  svc: ContainerService,
  ref: string,
  body: unknown,
): Promise<{ Warnings: string[] }> {
  const update = checkUpdateBody(body);
  const record = svc.resolve(ref);
  if (record.state.Status === 'removing' || record.state.Status === 'dead')
    throw conflict(
      `Cannot update container ${record.id}: container is marked for removal and cannot be "update"`,
    );
  const merged = mergeUpdate(record.request.HostConfig ?? {}, update, record.id);
  const warnings: string[] = [];
  const resources = containerResources(
    merged,
    { cgroupV2: cgroupVersion() === '2', cpus: availableParallelism() },
    warnings,
  );
  // a container that is not running takes its new limits when it next starts
  if (record.state.Status === 'running' || record.state.Status === 'paused') {
    try {
      await svc.runtime.update(record.id, resources);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new BerthError(
        isBerthError(err) ? err.code : 'Internal',
        `Cannot update container ${record.id}: ${message}`,
      );
    }
  }
  const now = svc.resolve(record.id); // the latest record: its state may have moved on meanwhile
  now.request = { ...now.request, HostConfig: merged };
  svc.save(now);
  return { Warnings: warnings };
}

export const containerAdminRoutes: RouteModule = (router, daemon) => {
  router.post('/containers/prune', async (ctx) =>
    pruneContainers(await daemon.containers.get(), ctx.filters()),
  );
  router.post('/containers/{id}/update', async (ctx) =>
    updateContainer(await daemon.containers.get(), ctx.params.id, await ctx.readJson(64 * 1024)),
  );
};
