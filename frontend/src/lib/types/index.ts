export type * from './bridge';
export type * from './events';
export type * from './ipc';
export type * from './chat';
export type * from './settings';
