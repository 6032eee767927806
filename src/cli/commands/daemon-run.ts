// The work of `berth daemon` (daemon.ts): flags checked, the daemon started, and stopped
// again on SIGTERM or SIGINT.
import { Daemon, DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../../api/daemon.ts';
import { createLogger, parseLogLevel } from '../../api/logger.ts';
import { parseUnixHost, resolveRoot, resolveState, socketPathOf } from '../../api/paths.ts';
import { DEFAULT_BRIDGE_NAME, isValidInterfaceName } from '../../network/index.ts';
import { BERTH_RUNTIME, runtimeCommands } from '../../runtime/runc/index.ts';
import type { StorageDriver } from '../../snapshot/snapshotter.ts';
import { asBerthError, EXIT_BERTH_FAILED, invalidArgument } from '../../util/errors.ts';
import type { CommandContext } from '../command.ts';
import { catchStopSignals } from '../stop-signals.ts';
import type { DAEMON_OPTIONS } from './daemon.ts';

/** `--bridge NAME|none` and `--bip ADDRESS/PREFIX` (checked by the network manager). */
function parseBridgeFlags(
  bridge: string | undefined,
  bip: string | undefined,
): { name: string; address?: string } | null {
  if (bridge === 'none') {
    if (bip) throw invalidArgument('--bip needs a bridge: it cannot go with --bridge none');
    return null;
  }
  const name = bridge || DEFAULT_BRIDGE_NAME;
  if (!isValidInterfaceName(name))
    throw invalidArgument(`invalid --bridge "${name}": 1-15 characters of [A-Za-z0-9_.-]`);
  return { name, ...(bip ? { address: bip } : {}) };
}

/** `--add-runtime` (and runc when on PATH) and `--default-runtime`, checked against each other. */
function parseRuntimeFlags(
  addRuntime: readonly string[],
  defaultRuntime: string | undefined,
  searchPath: string,
): { runtimes: Record<string, string>; defaultRuntime: string } {
  const runtimes = runtimeCommands(addRuntime, searchPath);
  const name = defaultRuntime || BERTH_RUNTIME;
  if (name !== BERTH_RUNTIME && !(name in runtimes))
    throw invalidArgument(
      `--default-runtime ${name}: no such runtime (the runtimes are ${[BERTH_RUNTIME, ...Object.keys(runtimes)].join(', ')}; add one with --add-runtime ${name}=PATH)`,
    );
  return { runtimes, defaultRuntime: name };
}

/** `overlay`, or Docker's name for it, `overlay2`; or `vfs`. */
function parseStorageDriver(name: string): StorageDriver {
  if (name === 'overlay' || name === 'overlay2') return 'overlay';
  if (name === 'vfs') return 'vfs';
  throw invalidArgument(`unknown storage driver "${name}": use overlay (or overlay2) or vfs`);
}

export async function runDaemon(ctx: CommandContext<typeof DAEMON_OPTIONS>): Promise<number> {
  const fail = (err: unknown): number => {
    ctx.stderr.write(`berth daemon: ${asBerthError(err).message}\n`);
    return EXIT_BERTH_FAILED;
  };
  const signals = catchStopSignals((signal) =>
    ctx.stderr.write(`berth daemon: ${signal} again: exiting without finishing shutdown\n`),
  );
  try {
    let daemon: Daemon;
    try {
      const root = resolveRoot(ctx.options.root ?? ctx.globals.root, ctx.env);
      const state = resolveState(ctx.options.state ?? ctx.globals.state, ctx.env);
      const host = ctx.options.host ?? ctx.globals.host;
      const logLevel = parseLogLevel(ctx.options['log-level'] ?? (ctx.globals.debug ? 'debug' : 'info'));
      const timeout = ctx.options['shutdown-timeout'];
      const driver = ctx.options['storage-driver'];
      const config = {
        root,
        state,
        socketPath: host ? parseUnixHost(host) : socketPathOf(state),
        logLevel,
        shutdownTimeoutMs: timeout === undefined ? DEFAULT_SHUTDOWN_TIMEOUT_MS : Math.max(0, timeout) * 1000,
        storageDriver: driver === undefined ? undefined : parseStorageDriver(driver),
        defaultBridge: parseBridgeFlags(ctx.options.bridge, ctx.options.bip),
        ...parseRuntimeFlags(
          ctx.options['add-runtime'] ?? [],
          ctx.options['default-runtime'],
          ctx.env.PATH ?? process.env.PATH ?? '',
        ),
      };
      daemon = await Daemon.start(
        config,
        createLogger(logLevel, (line) => ctx.stderr.write(line)),
      );
    } catch (err) {
      return fail(err);
    }
    daemon.context.log.info('received signal, shutting down', { signal: await signals.signalled });
    try {
      await daemon.stop();
    } catch (err) {
      return fail(err);
    }
    return 0;
  } finally {
    signals.dispose();
  }
}
