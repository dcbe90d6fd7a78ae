export * from './admission-script';
export * from './invalidations';
export * from './state-commands';
export * from './state-keys';
