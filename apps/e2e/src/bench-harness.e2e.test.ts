import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './support/run-cli';

/**
 * `npm run bench -- --quick` keeps working: the side-by-side harness (mock upstream, bare proxy, the built gateway and
 * worker) runs every step in seconds and checks the ledger. Its timings are not asserted here; they belong to the
 * full `npm run bench`.
 */
describe('benchmark harness', () => {
  it('runs every step in quick mode, reports the ratios, and finds the books balanced', async () => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'bench/side-by-side.ts', '--quick'], {
      cwd: REPO_ROOT,
      env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.base.json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'), stdout.lastIndexOf('}') + 1)) as {
      throughput: { json: { gatewayOverBareProxy: number } };
      ledger: { reconciled: boolean; recorded: number; gatewayAnswered: number };
      concurrentStreams: { gateway: { failed: number } };
    };
    expect(report.throughput.json.gatewayOverBareProxy).toBeGreaterThan(0);
    expect(report.ledger.reconciled).toBe(true);
    expect(report.ledger.recorded).toBeGreaterThanOrEqual(report.ledger.gatewayAnswered);
    expect(report.concurrentStreams.gateway.failed).toBe(0);
    expect(stdout).toContain('| JSON req/s |');
  }, 120_000);
});
