import { Command } from 'commander';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '@tollgate/config';
import { applyMigrations, createPrismaClient, ensureDatabase, type PrismaClient } from '@tollgate/db';
import { createAccountCommand, createSpendTokenCommand, reconcileCommand, usageCommand, type CommandResult } from './commands';

/** Opens the database (migrated), runs one command, prints its output and exits with its code. */
async function run(command: (prisma: PrismaClient, config: Config) => Promise<CommandResult>): Promise<void> {
  const config = loadConfig();
  await ensureDatabase(config.DATABASE_URL);
  await applyMigrations(config.DATABASE_URL, { schema: config.DATABASE_SCHEMA });
  const prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, maxConnections: 2 });
  try {
    const result = await command(prisma, config);
    (result.exitCode === 0 ? process.stdout : process.stderr).write(`${result.output}\n`);
    process.exitCode = result.exitCode;
  } finally {
    await prisma.$disconnect();
  }
}

const program = new Command('tollgate').description('tollgate operator command (uses DATABASE_URL; reconcile also REDIS_URL, METERING_QUEUE, SPOOL_DIR)');
const accounts = program.command('accounts').description('manage accounts');
accounts
  .command('create')
  .description('create an account and its first API key')
  .requiredOption('--name <name>', 'account name')
  .option('--credit-limit <usd>', 'debt allowed before requests are refused, USD', '10')
  .option('--json', 'print JSON', false)
  .action((options: { name: string; creditLimit: string; json: boolean }) => run((prisma) => createAccountCommand(prisma, options)));
program
  .command('spend-tokens')
  .description('prepaid spend tokens')
  .command('create')
  .description('create a prepaid spend token (its own account, credit limit = the amount)')
  .requiredOption('--amount <usd>', 'prepaid amount, USD')
  .option('--expires-in-days <days>', 'days until the token expires')
  .option('--name <name>', 'label', 'spend token')
  .option('--json', 'print JSON', false)
  .action((options: { amount: string; expiresInDays?: string; name: string; json: boolean }) =>
    run((prisma) => createSpendTokenCommand(prisma, options)),
  );
program
  .command('usage')
  .description("an account's debt and usage totals")
  .requiredOption('--account <id>', 'account id')
  .option('--json', 'print JSON', false)
  .action((options: { account: string; json: boolean }) => run((prisma) => usageCommand(prisma, options)));
program
  .command('reconcile')
  .description(
    'check that every debt equals the sum of its ledger entries and that no metering event waits unrecorded ' +
      '(failed jobs, dead letters, spool files in SPOOL_DIR); exit 1 otherwise',
  )
  .option('--json', 'print JSON', false)
  .action((options: { json: boolean }) =>
    run(async (prisma, config) => {
      // A CLI must not wait forever on a Redis that is down: a few retries, then the error ends the command (exit 1).
      const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 5_000, retryStrategy: (times) => (times > 3 ? null : 200) });
      connection.on('error', () => undefined);
      try {
        return await reconcileCommand(prisma, { json: options.json, metering: { connection, queueName: config.METERING_QUEUE, spoolDir: config.SPOOL_DIR } });
      } finally {
        connection.disconnect();
      }
    }),
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tollgate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
