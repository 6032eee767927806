export * from './builder/index.ts';
export * from './cache/index.ts';
export * from './dockerfile/index.ts';
