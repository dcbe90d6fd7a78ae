// `npm run bench`: throughput of the whole metered path on this machine. Starts the BUILT gateway and billing
// worker (run `npm run build` first) over a fresh Postgres schema and queue, drives POST /v1/chat/completions on
// the built-in echo model with autocannon (loopback only, bounded in time), then waits until the worker has
// recorded every answered request and checks the books: one usage row per 2xx, debt = Σ ledger.
import autocannon from 'autocannon';
import { startStack } from '../apps/e2e/src/support/stack';

const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
const durationSeconds = Number(process.env['BENCH_DURATION_S'] ?? 10);

async function drive(url: string, apiKey: string, stream: boolean) {
  return autocannon({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    connections,
    duration: durationSeconds,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tollgate/echo', stream, messages: [{ role: 'user', content: 'The quick brown fox jumps over the lazy dog.' }] }),
  });
}

async function main(): Promise<void> {
  const stack = await startStack({ LOG_LEVEL: 'warn', KEY_CACHE_TTL_MS: '30000' });
  try {
    const created = JSON.parse((await stack.cli(['accounts', 'create', '--name', 'bench', '--credit-limit', '100000', '--json'])).stdout) as { apiKey: string };
    let answered = 0;
    for (const stream of [false, true]) {
      const result = await drive(stack.url, created.apiKey, stream);
      answered += result['2xx'];
      console.log(
        `${stream ? 'SSE ' : 'JSON'}: ${result.requests.average.toFixed(0)} req/s, latency p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms, ` +
          `${result['2xx']} ok, ${result.non2xx} non-2xx, ${result.errors} errors (${connections} connections, ${durationSeconds} s)`,
      );
    }
    const started = Date.now();
    await stack.waitForUsageRows(answered, 300_000);
    const rows = await stack.db.prisma.usageRecord.count();
    console.log(`worker: all ${rows} requests recorded ${((Date.now() - started) / 1000).toFixed(1)} s after the load ended`);
    const reconcile = await stack.cli(['reconcile']);
    console.log(`reconcile: ${reconcile.stdout.trim() || reconcile.stderr.trim()}`);
    if (rows !== answered || reconcile.code !== 0) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
