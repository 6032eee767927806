// `--pid`, `--uts`, `--userns`, `--cgroupns` and `--ipc`: the values Docker
// accepts, with its messages (the CLI checks the first four, the daemon --ipc).

const containerRef = (mode: string): boolean => mode.startsWith('container:') && mode.length > 10;

export function checkNamespaceModes(modes: {
  pid?: string;
  uts?: string;
  userns?: string;
  cgroupns?: string;
  ipc?: string;
}): void {
  const { pid = '', uts = '', userns = '', cgroupns = '', ipc = '' } = modes;
  if (!(pid === '' || pid === 'host' || containerRef(pid))) throw new Error('--pid: invalid PID mode');
  if (!(uts === '' || uts === 'host')) throw new Error('--uts: invalid UTS mode');
  if (!(userns === '' || userns === 'host')) throw new Error('--userns: invalid USER mode');
  if (!['', 'host', 'private'].includes(cgroupns)) throw new Error('--cgroupns: invalid CGROUP mode');
  if (!(['', 'none', 'private', 'shareable', 'host'].includes(ipc) || containerRef(ipc))) {
    throw new Error(`invalid IPC mode: ${ipc}`);
  }
}
