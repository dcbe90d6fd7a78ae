export * from './openai-compatible-api';
export * from './openai-compatible-model';
export * from './openai-compatible-provider';
