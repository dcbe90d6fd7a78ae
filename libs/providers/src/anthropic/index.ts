export * from './anthropic-api';
export * from './anthropic-model';
export * from './anthropic-provider';
