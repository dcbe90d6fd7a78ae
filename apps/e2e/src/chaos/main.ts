// `npm run test:chaos`: calls through two gateway replicas while the worker, Redis, Postgres, a replica and the
// provider fail on purpose; then the ledger is audited against the clients' records (see run-chaos.ts).
// Options (environment): CHAOS_CALLS (10000), CHAOS_RATE (calls/s, 100), CHAOS_ROUNDS (each fault, 2), CHAOS_SEED,
// CHAOS_LOG_DIR (every process's log, written at the end; default <tmp>/tollgate-chaos-logs).
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatChaosReport } from './chaos-report';
import { chaosPassed, runChaos } from './run-chaos';

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

async function main(): Promise<void> {
  const report = await runChaos({
    calls: number('CHAOS_CALLS', 10_000),
    ratePerSecond: number('CHAOS_RATE', 100),
    rounds: number('CHAOS_ROUNDS', 2),
    seed: number('CHAOS_SEED', Date.now() % 1_000_000),
    log: (line) => console.log(line),
    logDir: process.env['CHAOS_LOG_DIR'] ?? path.join(tmpdir(), 'tollgate-chaos-logs'),
  });
  console.log(`\n${formatChaosReport(report)}`);
  process.exitCode = chaosPassed(report) ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

// Ctrl-C: exit through process.exit, so the private Postgres' exit hook stops it (child processes end with us).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
