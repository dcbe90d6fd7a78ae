export * from './key-pool';
export * from './provider-key';
