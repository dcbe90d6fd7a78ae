import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Queue, type ConnectionOptions } from 'bullmq';
import { deadLetterQueueName, isSpoolFile } from './metering-queue';

/** A group of metering events that are not (yet) in the ledger: how many, and the first few request ids. */
export interface UnrecordedGroup {
  count: number;
  requestIds: string[];
}

/** Every place a metering event can wait unrecorded, outside the queue's normal flow. */
export interface UnrecordedEvents {
  /** Jobs in the metering queue's failed set: the worker gave up on them. */
  failed: UnrecordedGroup & { queue: string };
  /** Entries in the dead-letter queue, each with its reason. */
  deadLetters: UnrecordedGroup & { queue: string };
  /** Events spooled to local disk by a gateway that could not reach Redis (not yet replayed). */
  spooled: UnrecordedGroup & { directory: string; files: string[] };
}

/** The states a dead-letter entry can be in: nothing consumes that queue, so entries normally sit waiting. */
const ALL_JOB_STATES = ['wait', 'delayed', 'prioritized', 'waiting-children', 'active', 'completed', 'failed'] as const;

/**
 * Finds the metering events that were answered but are not recorded and will not be by the normal flow: the
 * metering queue's failed set, the dead-letter queue and the spool files in `spoolDir` (the current file and any
 * `*.replaying` file). `sample` request ids are listed per group. A missing spool directory counts as empty.
 */
export async function findUnrecordedEvents(input: {
  connection: ConnectionOptions;
  queueName: string;
  spoolDir: string;
  sample?: number;
}): Promise<UnrecordedEvents> {
  const sample = input.sample ?? 5;
  const queue = new Queue(input.queueName, { connection: input.connection });
  const deadLetters = new Queue(deadLetterQueueName(input.queueName), { connection: input.connection });
  try {
    const [failedCount, failedJobs, deadLetterCounts, deadLetterJobs, spooled] = await Promise.all([
      queue.getFailedCount(),
      queue.getFailed(0, sample - 1),
      deadLetters.getJobCounts(...ALL_JOB_STATES),
      deadLetters.getJobs([...ALL_JOB_STATES], 0, sample - 1, true),
      readSpool(input.spoolDir, sample),
    ]);
    return {
      failed: { queue: input.queueName, count: failedCount, requestIds: failedJobs.map((job) => job.id ?? '?') },
      deadLetters: {
        queue: deadLetters.name,
        count: Object.values(deadLetterCounts).reduce((sum, count) => sum + count, 0),
        requestIds: deadLetterJobs.slice(0, sample).map((job) => job.id ?? '?'),
      },
      spooled: { directory: input.spoolDir, ...spooled },
    };
  } finally {
    await Promise.all([queue.close(), deadLetters.close()]);
  }
}

async function readSpool(directory: string, sample: number): Promise<UnrecordedGroup & { files: string[] }> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter(isSpoolFile).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { count: 0, requestIds: [], files: [] };
    throw error;
  }
  const files: string[] = [];
  const requestIds: string[] = [];
  let count = 0;
  for (const name of names) {
    const lines = (await readFile(path.join(directory, name), 'utf8')).split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) continue;
    files.push(name);
    count += lines.length;
    for (const line of lines) {
      if (requestIds.length >= sample) break;
      requestIds.push(requestIdOf(line));
    }
  }
  return { count, requestIds, files };
}

/** The request id of a spooled line; a line that is not an event still counts, shown as unreadable. */
function requestIdOf(line: string): string {
  try {
    const parsed: unknown = JSON.parse(line);
    const requestId = (parsed as { requestId?: unknown } | null)?.requestId;
    return typeof requestId === 'string' ? requestId : '(no request id)';
  } catch {
    return '(unreadable line)';
  }
}
