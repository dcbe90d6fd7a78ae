export * from './config-error';
export * from './load-config';
export * from './check-services';
export * from './create-logger';
