import { Command } from 'commander';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '@tollgate/config';
import { applyMigrations, createPrismaClient, ensureDatabase, type PrismaClient } from '@tollgate/db';
import { publishInvalidation } from '@tollgate/redis-state';
import { limitsSetCommand, limitsShowCommand, listKeysCommand, revokeKeyCommand, suspendCommand, type Notify } from './admission-commands';
import { createAccountCommand, createSpendTokenCommand, reconcileCommand, usageCommand, type CommandResult } from './commands';
import { dlqListCommand, dlqRetryCommand, type DeadLetterLocation } from './dlq-commands';
import { debtorsCommand, isUsageReport, usageCsvCommand, usageReportCommand, type UsageOptions } from './usage-commands';

/** Opens the database (migrated), runs one command, prints its output and exits with its code. */
async function run(command: (prisma: PrismaClient, config: Config) => Promise<CommandResult>): Promise<void> {
  const config = loadConfig();
  await ensureDatabase(config.DATABASE_URL);
  await applyMigrations(config.DATABASE_URL, { schema: config.DATABASE_SCHEMA });
  const prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, maxConnections: 2 });
  try {
    const result = await command(prisma, config);
    // A command that streamed its output (usage --csv) returns none to print.
    if (result.output !== '') (result.exitCode === 0 ? process.stdout : process.stderr).write(`${result.output}\n`);
    process.exitCode = result.exitCode;
  } finally {
    await prisma.$disconnect();
  }
}

/** A Redis connection for one command: a few retries, then the error ends the command (a CLI must not hang). */
async function withRedis<T>(config: Config, use: (connection: Redis) => Promise<T>): Promise<T> {
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 5_000, retryStrategy: (times) => (times > 3 ? null : 200) });
  connection.on('error', () => undefined);
  try {
    return await use(connection);
  } finally {
    connection.disconnect();
  }
}

/** Runs a command that changes what gateways cache, telling them over Redis pub/sub. */
function runNotifying(command: (prisma: PrismaClient, notify: Notify) => Promise<CommandResult>): Promise<void> {
  return run((prisma, config) => withRedis(config, (connection) => command(prisma, (invalidation) => publishInvalidation(connection, invalidation))));
}

const program = new Command('tollgate').description('tollgate operator command (uses DATABASE_URL; reconcile, keys revoke, limits set and accounts suspend|resume also REDIS_URL)');
const accounts = program.command('accounts').description('manage accounts');
accounts
  .command('create')
  .description('create an account and its first API key')
  .requiredOption('--name <name>', 'account name')
  .option('--credit-limit <usd>', 'debt allowed before requests are refused, USD', '10')
  .option('--json', 'print JSON', false)
  .action((options: { name: string; creditLimit: string; json: boolean }) => run((prisma) => createAccountCommand(prisma, options)));
accounts
  .command('suspend <id>')
  .description('refuse every request of an account (403 account_suspended), on every gateway at once')
  .action((account: string) => runNotifying((prisma, notify) => suspendCommand(prisma, notify, { account, suspended: true })));
accounts
  .command('resume <id>')
  .description('serve a suspended account again')
  .action((account: string) => runNotifying((prisma, notify) => suspendCommand(prisma, notify, { account, suspended: false })));
const keys = program.command('keys').description("manage an account's API keys");
keys
  .command('list')
  .description("an account's keys: prefix, name, created, last used, revoked")
  .requiredOption('--account <id>', 'account id')
  .option('--json', 'print JSON', false)
  .action((options: { account: string; json: boolean }) => run((prisma) => listKeysCommand(prisma, options)));
keys
  .command('revoke <keyId>')
  .description('revoke a key, on every gateway at once')
  .action((key: string) => runNotifying((prisma, notify) => revokeKeyCommand(prisma, notify, { key })));
const limits = program.command('limits').description('rate limits (requests and tokens per minute) and credit limits');
limits
  .command('set')
  .description("set an account's or a key's limits (N, 'unlimited', or 'default' for RATE_LIMIT_RPM/TPM)")
  .option('--account <id>', 'account id')
  .option('--key <keyId>', 'key id')
  .option('--rpm <n>', 'requests per minute')
  .option('--tpm <n>', 'tokens per minute')
  .option('--credit-limit <usd>', "the account's credit limit, USD")
  .option('--json', 'print JSON', false)
  .action((options: { account?: string; key?: string; rpm?: string; tpm?: string; creditLimit?: string; json: boolean }) =>
    runNotifying((prisma, notify) => limitsSetCommand(prisma, notify, options)),
  );
limits
  .command('show')
  .description("an account's limits and its keys' (or the account of --key)")
  .option('--account <id>', 'account id')
  .option('--key <keyId>', 'key id')
  .option('--json', 'print JSON', false)
  .action((options: { account?: string; key?: string; json: boolean }) => run((prisma) => limitsShowCommand(prisma, options)));
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
  .description(
    "--account ID alone: that account's debt and usage totals. Otherwise a usage report from the daily rollups (UTC days, " +
      '--from and --to both included): the totals, and with --group-by one row per group then a totals line',
  )
  .option('--account <id>', 'account id')
  .option('--key <keyId>', "key id, or 'none' for usage without a key")
  .option('--model <model>', 'model')
  .option('--provider <provider>', 'provider')
  .option('--from <day>', 'first UTC day included, YYYY-MM-DD')
  .option('--to <day>', 'last UTC day included, YYYY-MM-DD')
  .option('--group-by <groups>', 'comma-separated: day, model, provider, key, account')
  .option('--json', 'print JSON', false)
  .option('--csv', 'write CSV to stdout, streamed (the groups, or one totals record without --group-by)', false)
  .action((options: UsageOptions) =>
    run((prisma) => {
      if (!isUsageReport(options)) return usageCommand(prisma, { account: options.account ?? '', json: options.json });
      return options.csv ? usageCsvCommand(prisma, options, process.stdout) : usageReportCommand(prisma, options);
    }),
  );
program
  .command('debtors')
  .description('the accounts that owe most, highest debt first')
  .option('--limit <n>', 'how many (1 to 1000)', '20')
  .option('--json', 'print JSON', false)
  .action((options: { limit: string; json: boolean }) => run((prisma) => debtorsCommand(prisma, options)));
program
  .command('reconcile')
  .description(
    'check that every debt equals the sum of its ledger entries and that no metering event waits unrecorded ' +
      '(failed jobs, dead letters, spool files in SPOOL_DIR); exit 1 otherwise',
  )
  .option('--json', 'print JSON', false)
  .action((options: { json: boolean }) =>
    run((prisma, config) =>
      withRedis(config, (connection) => reconcileCommand(prisma, { json: options.json, metering: { connection, queueName: config.METERING_QUEUE, spoolDir: config.SPOOL_DIR } })),
    ),
  );

/** Runs a dead-letter command: the dead-letter queue lives in Redis, so no database is opened. */
async function runDeadLetters(command: (location: DeadLetterLocation) => Promise<CommandResult>): Promise<void> {
  const config = loadConfig();
  const result = await withRedis(config, (connection) => command({ connection, queueName: config.METERING_QUEUE }));
  (result.exitCode === 0 ? process.stdout : process.stderr).write(`${result.output}\n`);
  process.exitCode = result.exitCode;
}
const dlq = program.command('dlq').description('metering events the billing worker could not record (uses REDIS_URL and METERING_QUEUE)');
dlq
  .command('list')
  .description('dead-lettered events, oldest first, with the reason each was set aside')
  .option('--limit <n>', 'how many to show', '20')
  .option('--json', 'print JSON', false)
  .action((options: { limit: string; json: boolean }) => runDeadLetters((location) => dlqListCommand(location, options)));
dlq
  .command('retry [id]')
  .description('put a dead-lettered event (or --all of them) back on the metering queue, once its cause is fixed')
  .option('--all', 'every dead-lettered event', false)
  .option('--json', 'print JSON', false)
  .action((id: string | undefined, options: { all: boolean; json: boolean }) => runDeadLetters((location) => dlqRetryCommand(location, { id, ...options })));

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tollgate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
