import type { ChaosCluster } from './chaos-cluster';

/** The failures the run injects: each happens in production, and none may lose or double a charge. */
export const FAULT_KINDS = ['worker-kill', 'redis-restart', 'postgres-restart', 'replica-sigterm', 'upstream-500', 'upstream-reset', 'upstream-stall'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface PlannedFault {
  kind: FaultKind;
  /** When it starts, in ms from the first call (a fault still running delays the next one). */
  atMs: number;
}

export interface InjectedFault extends PlannedFault {
  startedMs: number;
  tookMs: number;
}

/**
 * `rounds` of every kind, in a random order, one per equal slot of the run at a random moment within it (faults run
 * one after another: one that takes longer than its slot delays the next).
 */
export function planFaults(random: () => number, runMs: number, rounds: number): PlannedFault[] {
  const kinds = Array.from({ length: rounds }, () => [...FAULT_KINDS]).flat();
  for (let index = kinds.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [kinds[index], kinds[other]] = [kinds[other] as FaultKind, kinds[index] as FaultKind];
  }
  const slot = (runMs * 0.85) / kinds.length;
  return kinds.map((kind, index) => ({ kind, atMs: Math.round(runMs * 0.05 + slot * (index + random() * 0.6)) }));
}

/** Injects one fault and waits until the system is whole again (the process restarted, the upstream healed). */
export async function injectFault(cluster: ChaosCluster, kind: FaultKind, random: () => number): Promise<void> {
  const downMs = 800 + Math.round(random() * 1_700);
  switch (kind) {
    case 'worker-kill':
      // SIGKILL: its batch in flight is neither committed nor acknowledged.
      return cluster.worker.bounce({ signal: 'SIGKILL' }, downMs);
    case 'redis-restart':
      return cluster.redis.restart(downMs);
    case 'postgres-restart':
      return cluster.postgres.restart(downMs);
    case 'replica-sigterm':
      return cluster.restartReplica(cluster.replicas[Math.floor(random() * cluster.replicas.length)] as ChaosCluster['replicas'][number], 300);
    case 'upstream-500':
    case 'upstream-reset':
    case 'upstream-stall':
      cluster.upstream.setMode(kind === 'upstream-500' ? 'error-500' : kind === 'upstream-reset' ? 'reset' : 'stall');
      await sleep(downMs);
      cluster.upstream.setMode('ok');
      return;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
