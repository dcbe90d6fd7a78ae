// Test support (`@tollgate/db/testing`): a migrated Postgres schema of its own per test file. Kept out of
// `@tollgate/db` so that production code, and the apps' bundles, never carry it.
export * from './test-database';
