// `berth daemon` (also run as `berthd`): the engine, serving the API until SIGTERM or SIGINT.
import { Daemon, DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../../api/daemon.ts';
import { createLogger, parseLogLevel } from '../../api/logger.ts';
import { parseUnixHost, resolveRoot, resolveState, socketPathOf } from '../../api/paths.ts';
import { DEFAULT_BRIDGE_NAME, isValidInterfaceName } from '../../network/index.ts';
import { BERTH_RUNTIME, runtimeCommands } from '../../runtime/runc/index.ts';
import type { StorageDriver } from '../../snapshot/snapshotter.ts';
import { asBerthError, EXIT_BERTH_FAILED, invalidArgument } from '../../util/errors.ts';
import { defineCommand } from '../command.ts';

/** `overlay`, or Docker's name for it, `overlay2`; or `vfs`. */
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

function parseStorageDriver(name: string): StorageDriver {
  if (name === 'overlay' || name === 'overlay2') return 'overlay';
  if (name === 'vfs') return 'vfs';
  throw invalidArgument(`unknown storage driver "${name}": use overlay (or overlay2) or vfs`);
}

export const daemonCommand = defineCommand({
  name: 'daemon',
  summary: 'Run the berth daemon (berthd): the engine serving the Docker Engine API',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    root: {
      type: 'string',
      valueName: 'string',
      help: 'Root directory of persistent state (default /var/lib/berth); env BERTH_ROOT',
    },
    state: {
      type: 'string',
      valueName: 'string',
      help: 'Root directory of runtime state (default /run/berth); env BERTH_STATE',
    },
    host: {
      type: 'string',
      short: 'H',
      valueName: 'string',
      help: 'Socket to listen on, unix:///path (default <state>/berth.sock)',
    },
    'log-level': {
      type: 'string',
      short: 'l',
      valueName: 'string',
      help: 'Log level: debug, info, warn, error (default info)',
    },
    'shutdown-timeout': {
      type: 'int',
      help: 'Seconds to let requests in flight finish at shutdown (default 10)',
    },
    bridge: {
      type: 'string',
      short: 'b',
      valueName: 'string',
      help: 'The default bridge network\'s Linux bridge, or "none" for no default bridge network (default berth0)',
    },
    bip: {
      type: 'string',
      valueName: 'string',
      help: "The default bridge's address and subnet, e.g. 172.31.0.1/16 (default: a free subnet)",
    },
    'add-runtime': {
      type: 'string',
      multiple: true,
      valueName: 'NAME=PATH',
      help: 'An OCI runtime command (runc-compatible) that containers may pick with --runtime NAME (repeatable)',
    },
    'default-runtime': {
      type: 'string',
      valueName: 'string',
      help: "The runtime of containers created without --runtime (default berth: berth's own, in-process)",
    },
    'storage-driver': {
      type: 'string',
      short: 's',
      valueName: 'string',
      help: "Storage driver: overlay (Docker's overlay2) or vfs (default: the root's, else overlay where it works)",
    },
  },
  async run(ctx) {
    const fail = (err: unknown): number => {
      ctx.stderr.write(`berth daemon: ${asBerthError(err).message}\n`);
      return EXIT_BERTH_FAILED;
    };
    // Signals are caught from the start: one that arrives while the daemon is still
    // starting stops it as soon as it is up, and a second one means: exit now.
    let onSignal: (signal: NodeJS.Signals) => void = () => {};
    const signalled = new Promise<NodeJS.Signals>((resolve) => {
      let received = false;
      onSignal = (signal) => {
        if (received) {
          ctx.stderr.write(`berth daemon: ${signal} again: exiting without finishing shutdown\n`);
          process.exit(EXIT_BERTH_FAILED);
        }
        received = true;
        resolve(signal);
      };
    });
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
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
          shutdownTimeoutMs:
            timeout === undefined ? DEFAULT_SHUTDOWN_TIMEOUT_MS : Math.max(0, timeout) * 1000,
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
      daemon.context.log.info('received signal, shutting down', { signal: await signalled });
      try {
        await daemon.stop();
      } catch (err) {
        return fail(err);
      }
      return 0;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  },
});
