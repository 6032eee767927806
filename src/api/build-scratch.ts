// Where builds keep their temporary files, and the daemon's start-up repair of what
// a crash mid-build left there (build/builder/scratch.ts). It runs after the
// container engine's, which kills the build steps' containers left running.
import { join } from 'node:path';
import { CACHE_MOUNTS_DIR, clearBuildScratch } from '../build/index.ts';
import type { DaemonConfig, Service } from './daemon-context.ts';
import type { Logger } from './logger.ts';

/** Contexts, step root filesystems, copies: `<root>/build`. */
export const buildScratchDir = (config: DaemonConfig) => join(config.root, 'build');

/** The cache mounts of RUN --mount=type=cache, kept between builds. */
export const cacheMountsDir = (config: DaemonConfig) => join(buildScratchDir(config), CACHE_MOUNTS_DIR);

/** A build's secret files while it runs: `<state>/build-secrets` (memory, on a usual /run). */
export const buildSecretsDir = (config: DaemonConfig) => join(config.state, 'build-secrets');

export function buildScratchService(config: DaemonConfig, log: Logger): Service {
  return {
    name: 'build-scratch',
    async open() {
      const removed = await clearBuildScratch(buildScratchDir(config), buildSecretsDir(config));
      if (removed.length) log.info('removed what builds cut short left behind', { count: removed.length });
    },
    async close() {},
  };
}
