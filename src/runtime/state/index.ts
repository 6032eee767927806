export * from './container-id.ts';
export * from './proc-start-time.ts';
export * from './state-store.ts';
