export * from './commands';
export type * from './types';
