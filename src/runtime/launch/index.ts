export * from './exit-file.ts';
export type { ExitStatus } from './handshake.ts';
export * from './launch-error.ts';
export * from './launcher.ts';
export * from './linux-constants.ts';
export * from './native-binary.ts';
export * from './plan.ts';
export * from './start-fifo.ts';
