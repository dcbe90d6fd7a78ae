export * from './openai-api';
export * from './openai-provider';
