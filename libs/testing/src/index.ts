export * from './fixtures';
export * from './replay-server';
export * from './unique-name';
export * from './metering-event-fixture';
export * from './tcp-proxy';
export * from './seeded-random';
export * from './prometheus-text';
