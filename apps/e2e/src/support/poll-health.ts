import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * Runs `work` while another process polls `<url>/healthz` back to back, and returns the slowest poll in milliseconds.
 * The poller is a process of its own so that only the gateway's delay is measured, not the test runner's.
 */
export async function slowestHealthPoll(url: string, work: () => Promise<unknown>): Promise<number> {
  const poller = spawn(process.execPath, [path.join(__dirname, 'health-poller.mjs'), url], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  const polling = new Promise<void>((resolve, reject) => {
    poller.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('polling\n')) resolve();
    });
    poller.once('exit', () => reject(new Error(`health poller exited before polling: '${output}'`)));
  });
  const exited = new Promise<void>((resolve) => poller.once('exit', () => resolve()));
  await polling;
  try {
    await work();
  } finally {
    poller.stdin.end();
    await exited;
  }
  const slowest = Number(/slowest (\S+)/.exec(output)?.[1]);
  if (!Number.isFinite(slowest)) throw new Error(`health poller printed no figure: '${output}'`);
  return slowest;
}
