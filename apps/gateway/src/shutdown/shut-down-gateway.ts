import type { Logger } from 'pino';
import type { ConnectionDrain } from './connection-drain';
import type { Drain } from './drain';

/**
 * How long requests cut at the deadline get to end themselves (write their SSE error event, meter `partial`) before
 * their connections are destroyed. Only a handler that ignores the abort needs it; it is part of the budget that
 * `terminationGracePeriodSeconds` must cover beyond SHUTDOWN_GRACE_MS (see docs/deploy.md).
 */
export const ABORT_WINDOW_MS = 5_000;

/** What the shutdown sequence works on. */
export interface ShutdownParts {
  drain: Drain;
  connections: ConnectionDrain;
  /** In-flight requests and streams may run this long after the signal before they are cut. */
  graceMs: number;
  /** Closes the runtime, the metering producer first (flushes every emitted event to BullMQ or the spool). */
  closeRuntime(): Promise<void>;
  logger: Logger;
}

/** Resolves with true if `work` settled within `ms`, false otherwise (without cancelling it). */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Drains the gateway: readiness 503 and no new connections at once; idle connections closed, busy ones when their
 * response ends; what still runs after `graceMs` is cut (streams end with an SSE error event) and metered `partial`;
 * then, once every completion has handed its metering event to the producer, the runtime is closed — the producer
 * first, which waits until every event is on the queue or spooled. Resolves when the process may exit: nothing of it
 * exits, so no exit can happen while an event is unwritten.
 */
export async function shutDownGateway(parts: ShutdownParts): Promise<void> {
  const { drain, connections, logger } = parts;
  drain.start();
  const closed = connections.close();
  const finished = Promise.all([closed, drain.settled()]);
  if (!(await within(finished, parts.graceMs))) {
    logger.warn({ connections: connections.open, completions: drain.pending, graceMs: parts.graceMs }, 'shutdown grace period over: cutting what still runs (metered partial)');
    drain.expire();
    if (!(await within(finished, ABORT_WINDOW_MS))) {
      logger.warn({ connections: connections.open, completions: drain.pending }, 'connections still open after the abort window: destroying them');
      connections.destroyRemaining();
    }
  }
  // Every completion meters before it ends, however its connection ended: wait for the last of them.
  await drain.settled();
  await parts.closeRuntime();
  logger.info('shutdown complete: every metering event is queued or spooled');
}
