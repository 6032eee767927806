export * from './driver.ts';
export * from './fs-driver.ts';
