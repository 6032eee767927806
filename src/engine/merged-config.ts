// The container's Config as `inspect` shows it: the request laid over the image's
// config, as Docker merges them at create (environment by variable name, labels by
// key, ports and volumes united, the rest taken from the request when it gives them).
import type { HealthConfig, ImageConfig } from '../oci/descriptor.ts';
import type { ContainerConfig, ContainerCreateRequest } from './container-config.ts';

const envName = (e: string) => e.split('=', 1)[0];

export function mergeEnv(image: readonly string[], request: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...image, ...request]) out.set(envName(e), e);
  return [...out.values()];
}

export function mergedConfig(req: ContainerCreateRequest, image: ImageConfig): ContainerConfig {
  const { HostConfig: _h, NetworkingConfig: _n, ...own } = req;
  const base = image.config ?? {};
  const entrypointCleared = req.Entrypoint?.length === 1 && req.Entrypoint[0] === '';
  return {
    ...own,
    Env: mergeEnv(base.Env ?? [], req.Env ?? []),
    Cmd: req.Cmd?.length ? req.Cmd : req.Entrypoint ? [] : (base.Cmd ?? undefined),
    Entrypoint: entrypointCleared ? undefined : (req.Entrypoint ?? base.Entrypoint ?? undefined),
    WorkingDir: req.WorkingDir || base.WorkingDir || '',
    User: req.User || base.User || '',
    Labels: { ...(base.Labels ?? {}), ...(req.Labels ?? {}) },
    ExposedPorts: {
      ...(base.ExposedPorts ?? {}),
      ...(req.ExposedPorts ?? {}),
    } as ContainerConfig['ExposedPorts'],
    Volumes: { ...(base.Volumes ?? {}), ...(req.Volumes ?? {}) } as ContainerConfig['Volumes'],
    StopSignal: req.StopSignal || base.StopSignal,
    Healthcheck: mergeHealthcheck(base.Healthcheck, req.Healthcheck),
  };
}

/** Docker merges a health check field by field: what the request leaves empty or 0 comes from the image. */
function mergeHealthcheck(
  image: HealthConfig | undefined,
  asked: HealthConfig | undefined,
): HealthConfig | undefined {
  if (!asked) return image;
  if (!image) return asked;
  const out: HealthConfig = { ...image };
  if (asked.Test?.length) out.Test = asked.Test;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const)
    if (asked[k]) out[k] = asked[k];
  return out;
}
