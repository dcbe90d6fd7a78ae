export * from './config-error';
export * from './load-config';
export * from './create-logger';
export * from './secret-list';
