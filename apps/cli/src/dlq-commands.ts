import type { ConnectionOptions } from 'bullmq';
import { countDeadLetters, deadLetterQueueName, listDeadLetters, retryDeadLetters } from '@tollgate/db';
import type { CommandResult } from './commands';

/** The metering queue whose dead letters a command works on (METERING_QUEUE), over a Redis connection. */
export interface DeadLetterLocation {
  connection: ConnectionOptions;
  queueName: string;
}

const usage = (output: string): CommandResult => ({ output, exitCode: 2 });

/** `tollgate dlq list [--limit N] [--json]`: the dead-lettered metering events, oldest first, with their reasons. */
export async function dlqListCommand(location: DeadLetterLocation, options: { limit?: string; json: boolean }): Promise<CommandResult> {
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!(Number.isInteger(limit) && limit > 0 && limit <= 10_000)) return usage(`--limit ${options.limit}: must be a whole number from 1 to 10000`);
  const [total, entries] = await Promise.all([countDeadLetters(location.connection, location.queueName), listDeadLetters(location.connection, location.queueName, { limit })]);
  const queue = deadLetterQueueName(location.queueName);
  if (options.json) return { output: JSON.stringify({ queue, total, deadLetters: entries }), exitCode: 0 };
  if (total === 0) return { output: `no dead letters in ${queue}`, exitCode: 0 };
  const lines = [`${total} dead letter(s) in ${queue}${total > entries.length ? `, oldest ${entries.length} shown` : ''}:`];
  for (const entry of entries) {
    const attempts = entry.attempts === null ? '' : `, ${entry.attempts} attempt(s)`;
    lines.push(`  ${entry.id}  ${entry.addedAt}  account ${entry.accountId ?? '(none)'}${attempts}`, `    ${entry.reason}`);
  }
  lines.push('Fix the cause (e.g. create the missing account), then: tollgate dlq retry <id> | --all');
  return { output: lines.join('\n'), exitCode: 0 };
}

/**
 * `tollgate dlq retry (--all | <id>) [--json]`: puts dead-lettered events back on the metering queue (see
 * retryDeadLetters). Exit 1 when the id is not in the dead-letter queue.
 */
export async function dlqRetryCommand(location: DeadLetterLocation, options: { id?: string; all: boolean; json: boolean }): Promise<CommandResult> {
  if (options.all === (options.id !== undefined)) return usage('give exactly one of --all or a dead letter id (see tollgate dlq list)');
  const result = await retryDeadLetters(location.connection, location.queueName, options.id === undefined ? { all: true } : { id: options.id });
  const exitCode = result.notFound.length > 0 ? 1 : 0;
  if (options.json) return { output: JSON.stringify({ queue: location.queueName, ...result }), exitCode };
  if (result.notFound.length > 0) return { output: `no dead letter ${result.notFound.join(', ')} in ${deadLetterQueueName(location.queueName)} (see tollgate dlq list)`, exitCode };
  if (result.retried.length === 0) return { output: `no dead letters in ${deadLetterQueueName(location.queueName)}: nothing to retry`, exitCode };
  return {
    output: [
      `${result.retried.length} event(s) back on ${location.queueName}: ${result.retried.join(', ')}`,
      'Each is recorded once (or dead-lettered again with its reason): check with tollgate dlq list and tollgate reconcile.',
    ].join('\n'),
    exitCode,
  };
}
