import { execFile } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** Runs the `tollgate` command (its npm bin) with the given environment; resolves with its output and exit code. */
export function runCli(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'apps/cli/bin/tollgate.cjs'), ...args],
      { env: { ...process.env, ...env }, cwd: REPO_ROOT, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ stdout, stderr, code: error ? (typeof error.code === 'number' ? error.code : 1) : 0 }),
    );
  });
}
