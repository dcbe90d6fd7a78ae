import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './run-cli';

/** A built app (`apps/<name>/dist/main.js`) running as a child process, its output kept for failure messages. */
export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** Kills at once (SIGKILL), like a crash. */
  kill(): Promise<void>;
}

/** Node options for every service started here, e.g. `E2E_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'` to profile a bench. */
const NODE_ARGS = (process.env['E2E_NODE_ARGS'] ?? '').split(' ').filter(Boolean);

export function startService(name: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [...NODE_ARGS, path.join(REPO_ROOT, `apps/${name}/dist/main.js`)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    child,
    output: () => output,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
