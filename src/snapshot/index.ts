export * from './detect-driver.ts';
export * from './fs-snapshotter.ts';
export * from './snapshotter.ts';
