// Every command berth has, and the management groups they fall in. Add a command
// file to this folder and list its export in COMMANDS.
import type { Command, CommandGroup } from '../command.ts';
import { attachCommand } from './attach.ts';
import { buildCommand } from './build.ts';
import { builderPruneCommand } from './builder-prune.ts';
import { commitCommand } from './commit.ts';
import {
  killCommand,
  pauseCommand,
  renameCommand,
  restartCommand,
  rmCommand,
  stopCommand,
  unpauseCommand,
  waitCommand,
} from './container-lifecycle.ts';
import { containerPruneCommand } from './container-prune.ts';
import { cpCommand } from './cp.ts';
import { daemonCommand } from './daemon.ts';
import { diffCommand } from './diff.ts';
import { execCommand } from './exec.ts';
import { exportCommand } from './export.ts';
import { helpCommand } from './help.ts';
import { historyCommand } from './history.ts';
import { imagePruneCommand } from './image-prune.ts';
import { imagesCommand } from './images.ts';
import { importCommand } from './import.ts';
import { infoCommand } from './info.ts';
import { containerInspectCommand, imageInspectCommand, inspectCommand } from './inspect.ts';
import { loadCommand } from './load.ts';
import { loginCommand } from './login.ts';
import { logoutCommand } from './logout.ts';
import { logsCommand } from './logs.ts';
import {
  networkConnectCommand,
  networkCreateCommand,
  networkDisconnectCommand,
  networkInspectCommand,
  networkLsCommand,
  networkPruneCommand,
  networkRmCommand,
} from './network.ts';
import { portCommand } from './port.ts';
import { psCommand } from './ps.ts';
import { pullCommand } from './pull.ts';
import { pushCommand } from './push.ts';
import { registryGcCommand, registryServeCommand } from './registry.ts';
import { rmiCommand } from './rmi.ts';
import { createCommand, runCommand } from './run.ts';
import { saveCommand } from './save.ts';
import { startCommand } from './start.ts';
import { statsCommand } from './stats.ts';
import { systemDfCommand } from './system-df.ts';
import { systemPruneCommand } from './system-prune.ts';
import { tagCommand } from './tag.ts';
import { topCommand } from './top.ts';
import { updateCommand } from './update.ts';
import { versionCommand } from './version.ts';
import {
  volumeCreateCommand,
  volumeInspectCommand,
  volumeLsCommand,
  volumePruneCommand,
  volumeRmCommand,
} from './volume.ts';

// biome-ignore lint/suspicious/noExplicitAny: commands differ in their option types; main treats them alike
export const COMMANDS: readonly Command<any>[] = [
  versionCommand,
  infoCommand,
  imagesCommand,
  importCommand,
  tagCommand,
  rmiCommand,
  inspectCommand,
  imageInspectCommand,
  containerInspectCommand,
  runCommand,
  createCommand,
  psCommand,
  startCommand,
  stopCommand,
  restartCommand,
  killCommand,
  pauseCommand,
  unpauseCommand,
  rmCommand,
  renameCommand,
  waitCommand,
  logsCommand,
  execCommand,
  attachCommand,
  topCommand,
  statsCommand,
  diffCommand,
  commitCommand,
  exportCommand,
  cpCommand,
  historyCommand,
  saveCommand,
  loadCommand,
  buildCommand,
  builderPruneCommand,
  pullCommand,
  pushCommand,
  loginCommand,
  logoutCommand,
  imagePruneCommand,
  systemDfCommand,
  systemPruneCommand,
  containerPruneCommand,
  updateCommand,
  portCommand,
  networkCreateCommand,
  networkLsCommand,
  networkInspectCommand,
  networkRmCommand,
  networkConnectCommand,
  networkDisconnectCommand,
  networkPruneCommand,
  volumeCreateCommand,
  volumeLsCommand,
  volumeInspectCommand,
  volumeRmCommand,
  volumePruneCommand,
  registryServeCommand,
  registryGcCommand,
  daemonCommand,
  helpCommand,
];

export const GROUPS: readonly CommandGroup[] = [
  { name: 'builder', summary: 'Manage builds' },
  { name: 'container', summary: 'Manage containers' },
  { name: 'image', summary: 'Manage images' },
  { name: 'network', summary: 'Manage networks' },
  { name: 'registry', summary: 'Run and maintain an image registry server' },
  { name: 'system', summary: 'Manage berth' },
  { name: 'volume', summary: 'Manage volumes' },
];

export type Lookup =
  // biome-ignore lint/suspicious/noExplicitAny: see COMMANDS
  | { kind: 'command'; command: Command<any>; name: string; rest: string[] }
  | { kind: 'group'; group: CommandGroup; rest: string[] }
  | { kind: 'unknown'; name: string; group?: CommandGroup };

/** Find the command named by the first one or two words (`images`, `image ls`). */
export function findCommand(words: readonly string[]): Lookup {
  const [first = '', second] = words;
  // biome-ignore lint/suspicious/noExplicitAny: see COMMANDS
  const names = (c: Command<any>) => [c.name, ...(c.aliases ?? [])];
  if (second !== undefined) {
    const two = `${first} ${second}`;
    const cmd = COMMANDS.find((c) => names(c).includes(two));
    if (cmd) return { kind: 'command', command: cmd, name: two, rest: words.slice(2) };
  }
  const cmd = COMMANDS.find((c) => names(c).includes(first));
  if (cmd) return { kind: 'command', command: cmd, name: first, rest: words.slice(1) };
  const group = GROUPS.find((g) => g.name === first && hasMembers(g));
  if (group) {
    if (second === undefined || second.startsWith('-')) return { kind: 'group', group, rest: words.slice(1) };
    return { kind: 'unknown', name: second, group };
  }
  return { kind: 'unknown', name: first };
}

export const hasMembers = (g: CommandGroup): boolean =>
  COMMANDS.some((c) => [c.name, ...(c.aliases ?? [])].some((n) => n.startsWith(`${g.name} `)));
