// `berth registry serve` runs the registry server (OCI distribution API) until SIGTERM or
// SIGINT; `berth registry gc` collects its unused blobs, offline. Both read the same
// config file (src/registry/config.ts), with --addr and --root over it. The registry's
// code is loaded only when one of them runs (a chunk of its own in the bundle).

import { asBerthError, EXIT_BERTH_FAILED } from '../../util/errors.ts';
import { defineCommand } from '../command.ts';
import { catchStopSignals } from '../stop-signals.ts';

const ROOT_OPTION = {
  type: 'string',
  valueName: 'string',
  help: 'Directory of the registry storage (default /var/lib/berth-registry; config storage.filesystem.rootdirectory)',
} as const;

const CONFIG_OPTION = {
  type: 'string',
  valueName: 'file',
  help: "Registry config file, YAML (a subset of distribution's config.yml)",
} as const;

export const registryServeCommand = defineCommand({
  name: 'registry serve',
  summary: 'Run an image registry (OCI distribution API) until stopped',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    addr: {
      type: 'string',
      valueName: 'host:port',
      help: 'Address to listen on (default 127.0.0.1:5000; config http.addr)',
    },
    root: ROOT_OPTION,
    config: CONFIG_OPTION,
  },
  async run(ctx) {
    const log = (line: string) => ctx.stderr.write(`${line}\n`);
    const signals = catchStopSignals((signal) =>
      log(`berth registry: ${signal} again: exiting without waiting for requests in flight`),
    );
    try {
      const [{ loadConfig }, { openRegistry }] = await Promise.all([
        import('../../registry/config.ts'),
        import('../../registry/open.ts'),
      ]);
      const config = await loadConfig({
        file: ctx.options.config,
        addr: ctx.options.addr,
        root: ctx.options.root,
      });
      for (const w of config.warnings) log(`berth registry: config: ${w}`);
      const server = await openRegistry(config, log);
      log(
        `berth registry: serving ${config.rootDirectory} on ${server.url}${config.auth ? ' (auth required)' : ''}`,
      );
      const signal = await signals.signalled;
      log(
        `berth registry: ${signal}: stopping; waiting up to ${config.shutdownTimeoutMs / 1000}s for ${server.activeRequests} request(s) in flight`,
      );
      await server.close(config.shutdownTimeoutMs);
      log('berth registry: stopped');
      return 0;
    } catch (err) {
      log(`berth registry: ${asBerthError(err).message}`);
      return EXIT_BERTH_FAILED;
    } finally {
      signals.dispose();
    }
  },
});

export const registryGcCommand = defineCommand({
  name: 'registry gc',
  aliases: ['registry garbage-collect'],
  summary: "Delete the registry's blobs that no manifest uses (run it while the registry is stopped)",
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    root: ROOT_OPTION,
    config: CONFIG_OPTION,
    'dry-run': { type: 'boolean', short: 'd', help: 'Only print what would be deleted' },
  },
  async run(ctx) {
    try {
      const [{ loadConfig }, { collectGarbage }, { FsRegistryStorage }] = await Promise.all([
        import('../../registry/config.ts'),
        import('../../registry/gc.ts'),
        import('../../registry/storage/fs-driver.ts'),
      ]);
      const config = await loadConfig({ file: ctx.options.config, root: ctx.options.root });
      const dryRun = ctx.options['dry-run'] ?? false;
      const storage = new FsRegistryStorage(config.rootDirectory);
      const r = await collectGarbage(storage, { dryRun, log: (line) => ctx.stdout.write(`${line}\n`) });
      const verb = dryRun ? 'would delete' : 'deleted';
      ctx.stdout.write(
        `${r.manifests} manifests and ${r.marked} blobs in use; ${verb} ${r.deleted.length} blobs (${r.bytes} bytes) ` +
          `and ${r.linksRemoved} dangling links; kept ${r.kept} blobs\n`,
      );
      return 0;
    } catch (err) {
      ctx.stderr.write(`berth registry gc: ${asBerthError(err).message}\n`);
      return EXIT_BERTH_FAILED;
    }
  },
});
