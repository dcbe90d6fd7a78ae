export * from './echo-model';
export * from './echo-provider';
