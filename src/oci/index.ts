export * from './descriptor.ts';
export * from './digest.ts';
export * from './media-types.ts';
export * from './platform.ts';
export * from './reference.ts';
export * from './validate.ts';
export { isDateTime, isUri } from './validate-formats.ts';
