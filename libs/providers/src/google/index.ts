export * from './google-api';
export * from './google-model';
export * from './google-provider';
