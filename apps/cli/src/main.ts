import { Command } from 'commander';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '@tollgate/config';
import { applyMigrations, createPrismaClient, ensureDatabase, type PrismaClient } from '@tollgate/db';
import { publishCommittedDebt, publishInvalidation } from '@tollgate/redis-state';
import { auditCommand, createKeyCommand, listAccountsCommand, showAccountCommand } from './account-commands';
import { limitsSetCommand, limitsShowCommand, listKeysCommand, revokeKeyCommand, suspendCommand, type Notify } from './admission-commands';
import { createAccountCommand, createSpendTokenCommand, reconcileCommand, usageCommand, type CommandResult } from './commands';
import { dlqListCommand, dlqRetryCommand, type DeadLetterLocation } from './dlq-commands';
import { settleCommand, topupCommand, type PaymentOptions, type PublishDebt } from './payment-commands';
import { migrateCommand } from './migrate-command';
import { debtorsCommand, isUsageReport, resolveWallet, usageCsvCommand, usageReportCommand, type UsageOptions } from './usage-commands';

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

/** Runs a command that lowers a debt (a payment), publishing the new debt to the gateways' funds view over Redis. */
function runPublishingDebt(command: (prisma: PrismaClient, publish: PublishDebt) => Promise<CommandResult>): Promise<void> {
  return run((prisma, config) => withRedis(config, (connection) => command(prisma, (account) => publishCommittedDebt(connection, account))));
}

const program = new Command('tollgate').description('tollgate operator command (uses DATABASE_URL; reconcile, topup, settle, keys revoke, limits set and accounts suspend|resume also REDIS_URL)');
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
accounts
  .command('list')
  .description('accounts with debt, credit limit, available funds, status and last use; oldest first, a page at a time')
  .option('--name <part>', 'part of the name, any letter case')
  .option('--status <status>', 'active or suspended')
  .option('--limit <n>', 'accounts per page (1-200)', '50')
  .option('--cursor <cursor>', 'the page after the one that printed it')
  .option('--json', 'print JSON', false)
  .action((options: { name?: string; status?: string; limit: string; cursor?: string; json: boolean }) => run((prisma) => listAccountsCommand(prisma, options)));
accounts
  .command('show <id>')
  .description('one account: debt, credit limit, available funds, status, limits, last use')
  .option('--json', 'print JSON', false)
  .action((account: string, options: { json: boolean }) => run((prisma) => showAccountCommand(prisma, { account, json: options.json })));
const keys = program.command('keys').description("manage an account's API keys");
keys
  .command('create')
  .description('issue another key for an account (shown once)')
  .requiredOption('--account <id>', 'account id')
  .option('--name <name>', 'label')
  .option('--models <ids>', 'the only models the key may use: catalog ids, comma-separated')
  .option('--cap <usd>', 'the most the key may spend in all, USD')
  .option('--expires-in-days <days>', 'days until the key expires')
  .option('--json', 'print JSON', false)
  .action((options: { account: string; name?: string; models?: string; cap?: string; expiresInDays?: string; json: boolean }) =>
    run((prisma, config) => createKeyCommand(prisma, options, config.CATALOG_PATH)),
  );
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
  .option('--wallet <address>', 'the account bound to this wallet (0x…), in place of --account')
  .option('--key <keyId>', "key id, or 'none' for usage without a key")
  .option('--model <model>', 'model')
  .option('--provider <provider>', 'provider')
  .option('--from <day>', 'first UTC day included, YYYY-MM-DD')
  .option('--to <day>', 'last UTC day included, YYYY-MM-DD')
  .option('--group-by <groups>', 'comma-separated: day, model, provider, key, account')
  .option('--json', 'print JSON', false)
  .option('--csv', 'write CSV to stdout, streamed (the groups, or one totals record without --group-by)', false)
  .action((options: UsageOptions) =>
    run(async (prisma) => {
      const resolved = await resolveWallet(prisma, options);
      if ('exitCode' in resolved) return resolved;
      if (!isUsageReport(resolved)) return usageCommand(prisma, { account: resolved.account ?? '', json: resolved.json });
      return resolved.csv ? usageCsvCommand(prisma, resolved, process.stdout) : usageReportCommand(prisma, resolved);
    }),
  );
program
  .command('debtors')
  .description('the accounts that owe most, highest debt first')
  .option('--limit <n>', 'how many (1 to 1000)', '20')
  .option('--json', 'print JSON', false)
  .action((options: { limit: string; json: boolean }) => run((prisma) => debtorsCommand(prisma, options)));
program
  .command('topup')
  .description("record prepaid credit: a payment whose ledger entry lowers the account's debt, raising its available funds on every gateway at once")
  .requiredOption('--account <id>', 'account id')
  .requiredOption('--amount <usd>', 'USD, a decimal > 0 (at most 18 decimal places)')
  .option('--reference <reference>', 'what paid it: a receipt, a transfer id')
  .option('--description <text>', 'a note kept with the payment')
  .option('--idempotency-key <key>', 'the same key with the same details records once; with other details it is refused (exit 1)')
  .option('--json', 'print JSON', false)
  .action((options: PaymentOptions) => runPublishingDebt((prisma, publish) => topupCommand(prisma, publish, options)));
program
  .command('settle')
  .description("record a payment of debt (an invoice paid): its ledger entry lowers the account's debt, on every gateway at once")
  .requiredOption('--account <id>', 'account id')
  .requiredOption('--amount <usd>', 'USD, a decimal > 0 (at most 18 decimal places)')
  .requiredOption('--reference <reference>', 'what paid it: an invoice number, a transaction hash')
  .option('--description <text>', 'a note kept with the payment')
  .option('--idempotency-key <key>', 'the same key with the same details records once; with other details it is refused (exit 1)')
  .option('--json', 'print JSON', false)
  .action((options: PaymentOptions) => runPublishingDebt((prisma, publish) => settleCommand(prisma, publish, options)));
program
  .command('reconcile')
  .description(
    'check that every debt equals the sum of its ledger entries, usage entries the daily rollups and payments their ledger ' +
      'entries, that no debt exceeds its credit limit and that no metering event waits unrecorded (failed jobs, dead ' +
      'letters, spool files in SPOOL_DIR); exit 1 listing each difference otherwise',
  )
  .option('--json', 'print JSON', false)
  .action((options: { json: boolean }) =>
    run((prisma, config) =>
      withRedis(config, (connection) => reconcileCommand(prisma, { json: options.json, metering: { connection, queueName: config.METERING_QUEUE, spoolDir: config.SPOOL_DIR } })),
    ),
  );

program
  .command('migrate')
  .description('apply the database migrations not applied yet (once per rollout: the Kubernetes Job, the compose migrate service); DATABASE_URL only')
  .option('--check', 'only list the migrations not applied yet; exit 1 if any', false)
  .action(async (options: { check: boolean }) => {
    const config = loadConfig();
    const result = await migrateCommand({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, check: options.check });
    (result.exitCode === 0 ? process.stdout : process.stderr).write(`${result.output}\n`);
    process.exitCode = result.exitCode;
  });

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

program
  .command('audit')
  .description('every operator write (admin API and this command): who, what, before, after; newest first')
  .option('--target-type <type>', 'account or key')
  .option('--target-id <id>', 'the account or key id')
  .option('--limit <n>', 'entries per page (1-500)', '50')
  .option('--cursor <cursor>', 'the page after the one that printed it')
  .option('--json', 'print JSON', false)
  .action((options: { targetType?: string; targetId?: string; limit: string; cursor?: string; json: boolean }) => run((prisma) => auditCommand(prisma, options)));

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tollgate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
