export * from './commands';
export * from './notifications';
export type * from './types';
