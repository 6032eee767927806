export * from './durable-fs.ts';
export * from './errors.ts';
export * from './resolv-conf.ts';
export * from './sqlite.ts';
