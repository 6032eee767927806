// A container's network namespace as a file (`<state>/netns/<id>`), made before the
// container's process exists: the interfaces, addresses and routes are set up in it
// first, then the runtime joins it (a namespace path in the spec), as podman does. A
// bind mount of the namespace on the file keeps it alive with no process in it, so
// it can also be torn down after the process is gone. unshare(1) makes it: Node has
// no unshare(2), and this is one short process per container start.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { execHost, runHost } from './host-command.ts';

export async function createNetns(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  if (existsSync(path)) await removeNetns(path); // one left by a crash
  writeFileSync(path, '', { mode: 0o444 });
  try {
    await runHost('unshare', [`--net=${path}`, 'true'], { doing: `creating network namespace ${path}` });
  } catch (err) {
    rmSync(path, { force: true });
    throw err;
  }
}

/** Unmount and delete; a path that is gone or not mounted is fine. */
export async function removeNetns(path: string): Promise<void> {
  // -l: a process may still hold it (a `berth exec` leaving); the namespace goes with the last user.
  await execHost('umount', ['-l', path], { doing: `unmounting ${path}` });
  rmSync(path, { force: true });
}
