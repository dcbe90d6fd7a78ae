import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './run-cli';

/** The bench's loopback OpenAI upstream (bench/mock-upstream.mjs) as a process: a prompt `pace:<ms>` paces its SSE chunks. */
export interface MockUpstream {
  /** Base URL, e.g. for OPENAI_BASE_URL (`${url}/v1`). */
  url: string;
  stop(): Promise<void>;
}

/** Starts bench/mock-upstream.mjs answering `tokens` chunks per stream (and that many completion tokens in its usage). */
export function startMockUpstream(tokens: number): Promise<MockUpstream> {
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, 'bench/mock-upstream.mjs')], {
    env: { ...process.env, TOKENS: String(tokens), PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening (\S+)/.exec(chunk.toString());
      if (match?.[1]) {
        resolve({
          url: match[1],
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            await exited;
          },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`mock upstream exited (${code})`)));
  });
}
