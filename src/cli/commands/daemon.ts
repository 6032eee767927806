// `berth daemon` (also run as `berthd`): the engine, serving the API until SIGTERM or SIGINT.
// Its work is in daemon-run.ts, loaded only when it runs: the bundle keeps the engine
// in chunks of its own, so client commands never load or compile it.
import { defineCommand } from '../command.ts';

export const DAEMON_OPTIONS = {
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
} as const;

export const daemonCommand = defineCommand({
  name: 'daemon',
  summary: 'Run the berth daemon (berthd): the engine serving the Docker Engine API',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: DAEMON_OPTIONS,
  async run(ctx) {
    const { runDaemon } = await import('./daemon-run.ts');
    return runDaemon(ctx);
  },
});
