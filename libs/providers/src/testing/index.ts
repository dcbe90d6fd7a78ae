export * from './provider-replay';
export * from './provider-replays';
export * from './stream-test-support';
export * from './fixture-providers';
