import { startService, type ServiceProcess } from '../support/service-process';

/** A process that ended without being asked to: while starting (its dependencies away) or after it was serving. */
export interface UnplannedExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether it had said it was serving (a crash) or ended while starting (e.g. Postgres down: it exits, clearly). */
  wasServing: boolean;
  lastLines: string;
}

/**
 * A built app kept running the way Kubernetes or `npm start` keeps it running: when it exits on its own it is started
 * again after a backoff (0.5 s, doubling to 5 s). Planned stops — a fault's kill, a rolling restart — are not
 * restarted by the supervisor but by whoever stopped it.
 */
export interface SupervisedService {
  readonly name: string;
  readonly current: ServiceProcess;
  readonly unplannedExits: UnplannedExit[];
  /** Stops it (`SIGKILL` like a crash, or `SIGTERM` with `graceMs` to finish), keeps it down `downMs`, starts it again. */
  bounce(how: { signal: 'SIGKILL' } | { signal: 'SIGTERM'; graceMs: number }, downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export function superviseService(input: {
  name: string;
  env: Record<string, string>;
  /** The line its log prints once it serves, e.g. `listening`. */
  servingLine: string;
  /** Called with every process started, restarts included. */
  onStart(process: ServiceProcess): void;
}): SupervisedService {
  let current: ServiceProcess;
  let planned = false;
  let stopped = false;
  let backoffMs = 500;
  const unplannedExits: UnplannedExit[] = [];

  const spawn = () => {
    const started = startService(input.name, input.env);
    const startedAt = Date.now();
    current = started;
    input.onStart(started);
    started.child.once('exit', (code, signal) => {
      if (planned || stopped || current !== started) return;
      const output = started.output();
      unplannedExits.push({ name: input.name, code, signal, wasServing: output.includes(input.servingLine), lastLines: output.split('\n').slice(-5).join('\n') });
      // A process that ran a while starts over with the shortest backoff; one that keeps failing waits longer.
      backoffMs = Date.now() - startedAt > 10_000 ? 500 : Math.min(backoffMs * 2, 5_000);
      setTimeout(() => {
        if (!planned && !stopped && current === started) spawn();
      }, backoffMs);
    });
  };
  spawn();

  return {
    name: input.name,
    get current() {
      return current;
    },
    unplannedExits,
    async bounce(how, downMs) {
      planned = true;
      try {
        if (how.signal === 'SIGKILL') await current.kill();
        else await current.stop(how.graceMs);
        await new Promise((resolve) => setTimeout(resolve, downMs));
        spawn();
      } finally {
        planned = false;
      }
    },
    async stop() {
      stopped = true;
      await current.stop();
    },
  };
}
