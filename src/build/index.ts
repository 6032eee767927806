export * from './dockerfile/index.ts';
export * from './builder/index.ts';
