export * from './account-usage';
export * from './accounts';
export * from './api-key-secret';
export * from './apply-migrations';
export * from './ensure-database';
export * from './prisma-client';
export * from './reconcile';
export * from './test-database';
