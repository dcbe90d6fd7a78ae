export * from './mistral-api';
export * from './mistral-provider';
