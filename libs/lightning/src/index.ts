export * from './lightning-backend';
