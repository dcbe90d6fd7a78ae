import { GatewayError } from '../errors/gateway-error';

/** The code of the error a request cut by the shutdown deadline ends with (SSE error event or JSON error). */
export const SHUTDOWN_ERROR_CODE = 'gateway_shutting_down';

/** The error the deadline aborts requests with: a 503 the caller may retry on another replica. */
export function shutdownError(): GatewayError {
  return new GatewayError({
    status: 503,
    type: 'service_unavailable',
    code: SHUTDOWN_ERROR_CODE,
    message: 'This gateway replica is shutting down and cut the request at its drain deadline; retry it.',
  });
}

/** Whether `signal` was aborted by the shutdown deadline (rather than by the caller leaving). */
export function abortedByShutdown(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof GatewayError && signal.reason.code === SHUTDOWN_ERROR_CODE;
}

/**
 * The gateway's shutdown state, shared by readiness, the completion paths and the shutdown sequence: whether the
 * replica is draining, the deadline signal that cuts what is still running, and the completions not metered yet.
 * The metering producer is closed only once `settled()` resolves: an event that a completion has not emitted yet is
 * invisible to the producer, so this count is what keeps the process from exiting before it is written.
 */
export class Drain {
  private readonly deadlineController = new AbortController();
  private readonly work = new Set<Promise<void>>();
  private drainingSince: number | undefined;

  /** True once shutdown began: readiness answers 503 from then on. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** Aborted (reason: `shutdownError()`) when the grace period is over: running completions stop and are metered. */
  get deadline(): AbortSignal {
    return this.deadlineController.signal;
  }

  /** Completions started and not metered yet. */
  get pending(): number {
    return this.work.size;
  }

  /** Marks the replica as draining. */
  start(): void {
    this.drainingSince ??= Date.now();
  }

  /** The grace period is over: aborts every completion still running (each is metered `partial`). */
  expire(): void {
    this.start();
    if (!this.deadline.aborted) this.deadlineController.abort(shutdownError());
  }

  /**
   * Counts one completion from its admission until its metering event is handed to the producer; the returned
   * function ends it (idempotent).
   */
  begin(): () => void {
    let end!: () => void;
    const work = new Promise<void>((resolve) => (end = resolve));
    this.work.add(work);
    void work.then(() => this.work.delete(work));
    return end;
  }

  /** Resolves once no completion is left unmetered — those begun while waiting included. */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.all([...this.work]);
  }
}
