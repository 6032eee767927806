export * from './errors.ts';
export * from './sqlite.ts';
export * from './durable-fs.ts';
