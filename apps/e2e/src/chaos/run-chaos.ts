import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Agent } from 'undici';
import { seededRandom } from '@tollgate/testing';
import { makeCall, type CallOutcome, type ChaosCall } from './chaos-call';
import { startChaosCluster, type ChaosCluster } from './chaos-cluster';
import { auditLedger, type LedgerAudit } from './ledger-audit';
import { injectFault, planFaults, type InjectedFault } from './faults';
import type { UnplannedExit } from './supervised-service';

export interface ChaosOptions {
  /** At least this many calls (more while faults remain to inject). */
  calls: number;
  /** Calls started per second (paced, so the faults land while traffic flows). */
  ratePerSecond: number;
  /** How many times each kind of fault is injected. */
  rounds: number;
  seed: number;
  /** Progress lines (the CLI prints them; the test keeps quiet). */
  log?: (line: string) => void;
  /** Where every process's log is written at the end (one file per process start), for a look after a failure. */
  logDir?: string;
}

export interface ChaosReport {
  options: ChaosOptions;
  faults: InjectedFault[];
  /** When the last call was sent (ms from the first): traffic lasts until every fault was injected. */
  trafficMs: number;
  outcomes: Record<CallOutcome['kind'], number>;
  /** Outcome details, e.g. `refused 503 redis_unavailable`: count. */
  details: Record<string, number>;
  upstreamRequests: Record<string, number>;
  spooled: number;
  replayed: number;
  /** Calls that got no answer within the client's timeout: which, and when they were sent. */
  hung: string[];
  /** Log lines that are not JSON (a library printing to stderr past the logger): each is a defect. */
  unstructuredLogLines: string[];
  /** Processes that ended on their own: while starting (a dependency away) is expected; while serving is a crash. */
  unplannedExits: UnplannedExit[];
  workerStarts: number;
  replicaStarts: number;
  drained: boolean;
  deadLetters: number;
  pending: number;
  reconcile: { code: number; output: string };
  audit: LedgerAudit;
  durationMs: number;
}

/** Calls through two replicas while faults are injected, then the ledger audit (see auditLedger). */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  // Calls and faults draw from their own sequences, so a seed gives the same calls and the same fault plan.
  const callRandom = seededRandom(options.seed);
  const faultRandom = seededRandom(options.seed + 1);
  log(`starting Postgres, Redis, a loopback provider, two gateway replicas and a billing worker`);
  const cluster = await startChaosCluster({ shutdownGraceMs: 1_500 });
  try {
    const runMs = (options.calls / options.ratePerSecond) * 1_000;
    const plan = planFaults(faultRandom, runMs, options.rounds);
    const results = new Map<string, { call: ChaosCall; outcome: CallOutcome }>();
    const dispatcher = new Agent({ keepAliveTimeout: 4_000, connect: { timeout: 5_000 } });
    const started = Date.now();
    log(`${options.calls} calls at ${options.ratePerSecond}/s (~${Math.round(runMs / 1000)} s), ${plan.length} faults`);

    const faults: InjectedFault[] = [];
    let faultsDone = false;
    const injecting = (async () => {
      for (const fault of plan) {
        await sleepUntil(started + fault.atMs);
        const startedMs = Date.now() - started;
        log(`  ${(startedMs / 1000).toFixed(1)} s: ${fault.kind}`);
        await injectFault(cluster, fault.kind, faultRandom);
        faults.push({ ...fault, startedMs, tookMs: Date.now() - started - startedMs });
      }
      faultsDone = true;
    })();

    let done = 0;
    const hung: string[] = [];
    const send = async (call: ChaosCall, index: number, sentMs: number) => {
      // As a load balancer does: a replica that refuses the connection (restarting) received nothing, so the call
      // goes to the other one. Any other failure is the client's outcome, not retried.
      let outcome: CallOutcome = { kind: 'unreached', reason: 'no replica' };
      for (let attempt = 0; attempt < cluster.replicas.length; attempt += 1) {
        const replica = cluster.replicas[(index + attempt) % cluster.replicas.length] as ChaosCluster['replicas'][number];
        outcome = await makeCall({ gatewayUrl: replica.url, apiKey: cluster.apiKey, call, dispatcher, timeoutMs: 60_000 });
        if (outcome.kind !== 'unreached' || outcome.reason !== 'ECONNREFUSED') break;
      }
      results.set(call.id, { call, outcome });
      if (outcome.kind === 'hung') hung.push(`${call.id} (${call.api}, ${call.streamed ? `stream of ${call.chunks}` : 'json'}, sent at ${(sentMs / 1_000).toFixed(1)} s)`);
      done += 1;
      if (done % 1_000 === 0) log(`  ${done} calls done`);
    };
    // At the given rate, `calls` of them — and on while faults remain (a slow machine makes faults overrun their
    // slots: every fault must meet traffic).
    const inFlight: Promise<void>[] = [];
    let trafficMs = 0;
    for (let index = 0; index < options.calls || !faultsDone; index += 1) {
      await sleepUntil(started + (index * 1_000) / options.ratePerSecond);
      trafficMs = Date.now() - started;
      inFlight.push(send(planCall(index, callRandom), index, trafficMs));
    }
    await Promise.all([...inFlight, injecting]);
    await dispatcher.close();
    log(`calls done in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for spools and the queue to drain`);

    // A SIGKILLed worker's jobs come back once BullMQ's 30 s lock expires: the drain allows for that.
    const drained = await cluster.drain(120_000);
    const { pending, deadLetters } = await cluster.queueCounts();
    const audit = await auditLedger(cluster.env['DATABASE_URL'] as string, results, cluster.upstream);
    const reconciled = await cluster.cli(['reconcile']);
    const logs = cluster.processes.map((process) => process.output()).join('\n');
    if (options.logDir) writeLogs(options.logDir, cluster);
    return {
      options,
      faults,
      trafficMs,
      outcomes: countBy([...results.values()].map(({ outcome }) => outcome.kind), { ok: 0, partial: 0, refused: 0, unreached: 0, hung: 0 }),
      details: countBy([...results.values()].map(({ outcome }) => detailOf(outcome)), {}),
      upstreamRequests: { ...cluster.upstream.requestsByMode },
      spooled: countMatches(logs, /"msg":"Redis unavailable: metering event spooled to disk"/g),
      replayed: [...logs.matchAll(/"sent":(\d+)[^\n]*"msg":"replayed spooled metering events"/g)].reduce((sum, match) => sum + Number(match[1]), 0),
      hung,
      // The one plain line a process prints when it cannot start (e.g. Postgres away; its supervisor restarts it) is
      // meant for a person at a terminal; anything else not JSON escaped the logger.
      unstructuredLogLines: logs.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{') && !/^tollgate [a-z -]+ failed to start: /.test(line)),
      unplannedExits: cluster.unplannedExits(),
      workerStarts: cluster.processes.filter((process) => process.name === 'billing-worker').length,
      replicaStarts: cluster.processes.filter((process) => process.name === 'gateway').length,
      drained,
      deadLetters,
      pending,
      reconcile: { code: reconciled.code, output: `${reconciled.stdout}${reconciled.stderr}`.trim() },
      audit,
      durationMs: Date.now() - started,
    };
  } finally {
    await cluster.stop();
  }
}

/** Whether the run proved what it must: nothing lost or doubled, nothing hung, the ledger whole, no crash, logs clean. */
export function chaosPassed(report: ChaosReport): boolean {
  return (
    report.audit.findings.length === 0 &&
    report.outcomes.hung === 0 &&
    report.drained &&
    report.deadLetters === 0 &&
    report.reconcile.code === 0 &&
    report.unstructuredLogLines.length === 0 &&
    report.unplannedExits.every((exit) => !exit.wasServing)
  );
}

/** Half streamed, both APIs; some streams slow (4 s) so a replica's shutdown finds them mid-answer. */
function planCall(index: number, random: () => number): ChaosCall {
  const streamed = random() < 0.5;
  const slow = streamed && random() < 0.1;
  return {
    id: `c${String(index).padStart(6, '0')}`,
    api: random() < 0.5 ? 'chat' : 'messages',
    streamed,
    chunks: slow ? 40 : 1 + Math.floor(random() * 24),
    paceMs: !streamed ? 0 : slow ? 100 : 5 + Math.floor(random() * 30),
  };
}

function writeLogs(dir: string, cluster: ChaosCluster): void {
  rmSync(dir, { recursive: true, force: true }); // no file of an earlier run left beside these
  mkdirSync(dir, { recursive: true });
  cluster.processes.forEach((process, index) => writeFileSync(path.join(dir, `${String(index).padStart(2, '0')}-${process.name}.log`), process.output()));
}

function detailOf(outcome: CallOutcome): string {
  switch (outcome.kind) {
    case 'ok':
      return 'ok';
    case 'partial':
      return `partial: ${outcome.reason}`;
    case 'refused':
      return `refused: ${outcome.status} ${outcome.code}`;
    case 'unreached':
      return `unreached: ${outcome.reason}`;
    case 'hung':
      return 'hung';
  }
}

function countBy<K extends string>(values: K[], initial: Record<K, number> | Record<string, number>): Record<K, number> {
  const counts = { ...initial } as Record<K, number>;
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function countMatches(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}

async function sleepUntil(at: number): Promise<void> {
  const wait = at - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
