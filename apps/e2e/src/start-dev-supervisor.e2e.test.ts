import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { uniqueName } from '@tollgate/testing';
import { freePort } from './support/free-port';
import { REPO_ROOT } from './support/run-cli';

/** The pids of a process's children (`ps --ppid`). */
function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((child) => child > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `npm start` (tools/start-dev.mjs) supervises: a crashed worker is restarted, the gateway keeps serving, SIGTERM stops all. */
describe('npm start supervisor', () => {
  let db: TestDatabase;
  let devDir: string;
  let spoolDir: string;
  let queueName: string;
  let script: ChildProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    devDir = mkdtempSync(path.join(tmpdir(), 'tollgate-dev-'));
    spoolDir = mkdtempSync(path.join(tmpdir(), 'tollgate-e2e-spool-'));
    queueName = uniqueName('metering-start');
  });
  afterAll(async () => {
    if (script?.pid && script.exitCode === null) {
      for (const pid of childPids(script.pid)) process.kill(pid, 'SIGKILL');
      script.kill('SIGKILL');
    }
    const connection = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    const queue = new Queue(queueName, { connection });
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
    rmSync(devDir, { recursive: true, force: true });
    rmSync(spoolDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('restarts a SIGKILLed worker (logged, backoff doubling) while the gateway answers, and exits 0 on SIGTERM with both children gone', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let output = '';
    script = spawn(process.execPath, ['tools/start-dev.mjs'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: db.databaseUrl,
        DATABASE_SCHEMA: db.schema,
        REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        METERING_QUEUE: queueName,
        PORT: String(port),
        HOST: '127.0.0.1',
        SPOOL_DIR: spoolDir,
        LOG_LEVEL: 'warn',
        TOLLGATE_DEV_DIR: devDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    script.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    script.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => script?.once('exit', (code) => resolve(code)));
    const log = () => output;

    await until(() => output.includes('tollgate is running'), 40_000, 'the stack to start', log);
    const workerPid = Number(/billing-worker started \(pid (\d+)\)/.exec(output)?.[1]);
    const gatewayPid = Number(/gateway started \(pid (\d+)\)/.exec(output)?.[1]);
    expect(childPids(script.pid as number).sort()).toEqual([gatewayPid, workerPid].sort());

    // The gateway is polled throughout the crash and the restart: every poll must be answered 200.
    const statuses: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        statuses.push((await fetch(`${url}/healthz`)).status);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    process.kill(workerPid, 'SIGKILL');
    await until(() => /billing-worker exited \(signal SIGKILL\); restarting in \d+ ms/.test(output), 5_000, 'the logged restart', log);
    await until(() => (output.match(/billing-worker started \(pid (\d+)\)/g) ?? []).length === 2, 5_000, 'the worker to start again', log);
    const workerStarts = () => [...output.matchAll(/billing-worker started \(pid (\d+)\)/g)].map((match) => Number(match[1]));
    expect(output).toMatch(/billing-worker exited \(signal SIGKILL\); restarting in 500 ms/);
    // Crashing again soon after: the backoff doubles.
    process.kill(workerStarts()[1] as number, 'SIGKILL');
    await until(() => workerStarts().length === 3, 5_000, 'the worker to start a third time', log);
    expect(output).toMatch(/billing-worker exited \(signal SIGKILL\); restarting in 1000 ms/);
    const restartedPid = workerStarts()[2] as number;
    expect(new Set(workerStarts()).size).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // it stays up (connected to Postgres and Redis)
    expect(alive(restartedPid)).toBe(true);
    polling = false;
    await poller;
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(alive(gatewayPid)).toBe(true);

    script.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(alive(gatewayPid)).toBe(false);
    expect(alive(restartedPid)).toBe(false);
    expect(output).not.toMatch(/gateway exited/);
  }, 60_000);
});
