export * from './admission-script';
export * from './committed-debt';
export * from './invalidations';
export * from './state-commands';
export * from './state-keys';
