export * from './account-admin';
export * from './account-directory';
export * from './admin-operations';
export * from './account-usage';
export * from './accounts';
export * from './api-key-secret';
export * from './apply-migrations';
export * from './check-migrations';
export * from './check-services';
export * from './audit';
export * from './database-errors';
export * from './dead-letters';
export * from './ensure-database';
export * from './key-spend';
export * from './lightning-charges';
export * from './metering-queue';
export * from './numeric-text';
export * from './payments';
export * from './prisma-client';
export * from './reconcile';
// Transitional, until apps/gateway/src/testing/test-gateway.ts imports it from '@tollgate/db/testing': test support
// does not belong in the production entry point.
export * from './testing/test-database';
export * from './unrecorded-events';
export * from './usage-daily';
export * from './usage-report';
export * from './wallet-accounts';
