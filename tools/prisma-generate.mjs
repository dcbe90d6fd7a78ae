// Generates the Prisma client into libs/db/src/generated. The prisma CLI insists on a schema engine binary it would
// download; generate does not use it, so any existing file satisfies the check (see shared stack notes).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY && !existsSync('node_modules/@prisma/engines/schema-engine-debian-openssl-3.0.x')) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}
execFileSync('npx', ['prisma', 'generate'], { stdio: 'inherit', env });
