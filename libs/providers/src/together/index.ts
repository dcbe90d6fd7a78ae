export * from './together-api';
export * from './together-provider';
