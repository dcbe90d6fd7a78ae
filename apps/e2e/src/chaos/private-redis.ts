import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../support/free-port';

/**
 * A Redis of the run's own (`redis-server` on a free loopback port), configured as docker-compose.yml runs it — append
 * only file on, so a restart keeps the queue and the funds view — and restartable without disturbing the machine's
 * Redis. `restart` stops it as an orchestrator does (SIGTERM: Redis flushes its AOF and exits), keeps it down for a
 * while, and starts it again on the same port and data directory.
 */
export interface PrivateRedis {
  url: string;
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-chaos-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child = await launch(port, dir, url);
  return {
    url,
    async restart(downMs) {
      await terminate(child);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      child = await launch(port, dir, url);
    },
    async stop() {
      await terminate(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(port: number, dir: string, url: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction', '--logfile', ''],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined); // refused until it listens: the loop retries
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return child;
    } catch {
      // still loading the append-only file
    } finally {
      client.disconnect();
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on ${port}:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
