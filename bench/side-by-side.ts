// `npm run bench` (which builds first): the gateway measured side by side with what it stands between, in one
// run on this machine — (1) a loopback OpenAI-format upstream called directly, (2) a bare node:http pass-through proxy
// in front of it, (3) the BUILT gateway in front of it with authentication, rate limits, funds holds and metering all
// on and the BUILT billing worker running, through the OpenAI adapter. Ratios, not absolute times: the machines are
// shared. Prints a JSON report and a Markdown table; `--quick` runs every step in seconds (for CI, timings not
// asserted). After the load, every answered request must be in the ledger and the books must reconcile (exit 1 if not).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startStack, type Stack } from '../apps/e2e/src/support/stack';
import { percentile } from './percentile';

const quick = process.argv.includes('--quick');
const DURATION_S = quick ? 1 : 8;
const ROUNDS = 2;
const CONNECTIONS = 50;
const RATES = quick ? [100] : [100, 500, 1000];
const CONCURRENT_STREAMS = quick ? 200 : 2000;

interface Target {
  name: 'direct' | 'bare proxy' | 'gateway';
  url: string;
  headers: Record<string, string>;
}

/** Starts one of bench/*.mjs as its own process; resolves with the URL it prints. */
function startScript(file: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(__dirname, file)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening (\S+)/.exec(chunk.toString());
      if (match) resolve({ url: match[1], child });
    });
    child.once('exit', (code) => reject(new Error(`${file} exited (${code})`)));
  });
}

const body = (stream: boolean, content = 'The quick brown fox jumps over the lazy dog.') =>
  JSON.stringify({
    model: 'openai/gpt-4o-mini',
    max_tokens: 64,
    messages: [{ role: 'user', content }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });

async function load(target: Target, options: { stream: boolean }) {
  const result = await autocannon({
    url: `${target.url}/v1/chat/completions`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { 'content-type': 'application/json', ...target.headers },
    body: body(options.stream),
  });
  return { requestsPerSecond: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, ok: result['2xx'], failed: result.non2xx + result.errors };
}

/**
 * Latency at a fixed rate, open loop: requests start evenly spaced (every 1/rate s, whatever the answers do) over a
 * pool of keep-alive connections. autocannon's `overallRate` is not used for this: each of its connections sends its
 * whole per-second budget back to back at the start of every second, so "1,000 req/s" over 50 connections arrives as
 * a burst of 1,000 at full concurrency — a throughput test, not a latency one.
 */
async function fixedRate(target: Target, rate: number) {
  const pool = new Pool(target.url, { connections: 64 });
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const one = async () => {
    const started = performance.now();
    try {
      const response = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json', ...target.headers }, body: body(false) });
      await response.body.text();
      latencies.push(performance.now() - started);
      if (response.statusCode === 200) ok += 1;
      else failed += 1;
    } catch {
      failed += 1;
    }
  };
  const requests: Array<Promise<void>> = [];
  const started = performance.now();
  for (let index = 0; index < rate * DURATION_S; index += 1) {
    const wait = started + (index * 1000) / rate - performance.now();
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    requests.push(one());
  }
  await Promise.all(requests);
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), ok, failed };
}

/** `count` streams at once, each paced to stay open; the time to each one's first byte, and how many failed. */
async function concurrentStreams(target: Target, count: number) {
  const firstBytes: number[] = [];
  let failed = 0;
  await Promise.all(
    Array.from({ length: count }, async () => {
      const started = performance.now();
      try {
        const response = await fetch(`${target.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...target.headers },
          body: body(true, 'Stream slowly, pace:50'),
        });
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        let first = true;
        let text = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (first) firstBytes.push(performance.now() - started);
          first = false;
          text += decoder.decode(value, { stream: true });
        }
        if (response.status !== 200 || !text.includes('[DONE]')) failed += 1;
      } catch {
        failed += 1;
      }
    }),
  );
  firstBytes.sort((a, b) => a - b);
  return { streams: count, failed, firstByteP50: percentile(firstBytes, 0.5), firstByteP99: percentile(firstBytes, 0.99) };
}

/** Waits until the metering queue has no job waiting, active or delayed. */
async function waitForEmptyQueue(queue: Queue): Promise<void> {
  for (let waited = 0; waited < 600_000; waited += 200) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(counts).every((count) => count === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Peak resident memory of a process (VmHWM), in MB. */
function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

async function main(): Promise<void> {
  const upstream = await startScript('mock-upstream.mjs', { TOKENS: '16' });
  const bare = await startScript('bare-proxy.mjs', { TARGET: upstream.url });
  // Limits high enough never to refuse, but on: every request goes through the whole admission script.
  const stack: Stack = await startStack({
    // BENCH_LOG_LEVEL=info measures the gateway with its access log on (one line per request).
    LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
    KEY_CACHE_TTL_MS: '30000',
    OPENAI_BASE_URL: `${upstream.url}/v1`,
    OPENAI_API_KEY: 'sk-bench',
    RATE_LIMIT_RPM: '1000000000',
    RATE_LIMIT_TPM: '1000000000',
  });
  // The metering queue, watched between runs: each run starts once the worker has recorded the previous runs' events.
  const connection = new Redis(stack.env['REDIS_URL'] as string, { maxRetriesPerRequest: null });
  const queue = new Queue(stack.queueName, { connection });
  try {
    const created = JSON.parse((await stack.cli(['accounts', 'create', '--name', 'bench', '--credit-limit', '1000000', '--json'])).stdout) as { apiKey: string };
    const targets: Target[] = [
      { name: 'direct', url: upstream.url, headers: {} },
      { name: 'bare proxy', url: bare.url, headers: {} },
      { name: 'gateway', url: stack.url, headers: { authorization: `Bearer ${created.apiKey}` } },
    ];
    let gatewayAnswered = 0;
    const throughput: Record<string, Record<string, Array<Awaited<ReturnType<typeof load>>>>> = {};
    for (const stream of [false, true]) {
      const mode = stream ? 'sse' : 'json';
      throughput[mode] = {};
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const target of targets) {
          await waitForEmptyQueue(queue); // no run pays for another's backlog
          const result = await load(target, { stream });
          if (target.name === 'gateway') gatewayAnswered += result.ok;
          (throughput[mode][target.name] ??= []).push(result);
          console.error(`${mode} round ${round + 1} ${target.name}: ${result.requestsPerSecond} req/s, p99 ${result.p99} ms, ${result.failed} failed`);
        }
      }
    }
    const best = (mode: string, name: string) => Math.max(...throughput[mode][name].map((result) => result.requestsPerSecond));

    const atRates: Array<{ rate: number; target: string; p50: number; p99: number; failed: number }> = [];
    for (const rate of RATES) {
      for (const target of targets) {
        await waitForEmptyQueue(queue);
        const result = await fixedRate(target, rate);
        if (target.name === 'gateway') gatewayAnswered += result.ok;
        atRates.push({ rate, target: target.name, p50: result.p50, p99: result.p99, failed: result.failed });
        console.error(`${rate} req/s ${target.name}: p50 ${result.p50} ms, p99 ${result.p99} ms`);
      }
    }
    const latencyOf = (rate: number, name: string) => atRates.find((row) => row.rate === rate && row.target === name) as (typeof atRates)[number];

    await waitForEmptyQueue(queue);
    const streamsDirect = await concurrentStreams(targets[0], CONCURRENT_STREAMS);
    const streamsGateway = await concurrentStreams(targets[2], CONCURRENT_STREAMS);
    gatewayAnswered += CONCURRENT_STREAMS - streamsGateway.failed;
    console.error(`${CONCURRENT_STREAMS} concurrent streams: direct ${JSON.stringify(streamsDirect)}, gateway ${JSON.stringify(streamsGateway)}`);

    // Every answer the load saw must be recorded; requests cut at the end of a timed run (the client left) are billed
    // too, so there may be more rows than answers. Then the queue must be empty and the books balanced.
    const started = Date.now();
    await stack.waitForUsageRows(gatewayAnswered, 600_000).catch(() => undefined);
    await waitForEmptyQueue(queue);
    const recorded = await stack.db.prisma.usageRecord.count();
    const drainSeconds = (Date.now() - started) / 1000;
    const reconcile = await stack.cli(['reconcile']);

    const report = {
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, quick },
      settings: { connections: CONNECTIONS, durationSeconds: DURATION_S, rounds: ROUNDS, upstreamTokens: 16, model: 'openai/gpt-4o-mini' },
      throughput: Object.fromEntries(
        ['json', 'sse'].map((mode) => [
          mode,
          { ...Object.fromEntries(targets.map((target) => [target.name, throughput[mode][target.name]])), gatewayOverBareProxy: Number((best(mode, 'gateway') / best(mode, 'bare proxy')).toFixed(3)) },
        ]),
      ),
      addedLatencyMs: RATES.map((rate) => ({
        rate,
        p50: Number((latencyOf(rate, 'gateway').p50 - latencyOf(rate, 'direct').p50).toFixed(2)),
        p99: Number((latencyOf(rate, 'gateway').p99 - latencyOf(rate, 'direct').p99).toFixed(2)),
        bareProxyP50: Number((latencyOf(rate, 'bare proxy').p50 - latencyOf(rate, 'direct').p50).toFixed(2)),
        bareProxyP99: Number((latencyOf(rate, 'bare proxy').p99 - latencyOf(rate, 'direct').p99).toFixed(2)),
        gatewayFailed: latencyOf(rate, 'gateway').failed,
      })),
      concurrentStreams: {
        direct: streamsDirect,
        gateway: streamsGateway,
        addedFirstByteP99Ms: Number((streamsGateway.firstByteP99 - streamsDirect.firstByteP99).toFixed(2)),
        gatewayPeakRssMb: peakRssMb(stack.gateway.child.pid),
      },
      ledger: { gatewayAnswered, recorded, drainSeconds, reconciled: reconcile.code === 0 },
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(markdown(report, best));
    if (recorded < gatewayAnswered || reconcile.code !== 0) {
      console.error(`LEDGER: ${recorded} recorded of ${gatewayAnswered} answered; reconcile: ${reconcile.stdout.trim() || reconcile.stderr.trim()}`);
      process.exitCode = 1;
    }
  } finally {
    await queue.close();
    connection.disconnect();
    await stack.stop();
    upstream.child.kill();
    bare.child.kill();
  }
}

function markdown(report: { throughput: Record<string, { gatewayOverBareProxy: number }>; addedLatencyMs: Array<Record<string, number>>; concurrentStreams: { gateway: { failed: number; firstByteP99: number }; addedFirstByteP99Ms: number; gatewayPeakRssMb: number }; machine: { cores: number; node: string } }, best: (mode: string, name: string) => number): string {
  const lines = [
    `| max throughput (best of ${ROUNDS}, ${CONNECTIONS} connections) | direct | bare proxy | gateway | gateway ÷ bare proxy |`,
    '|---|---|---|---|---|',
    ...['json', 'sse'].map((mode) => `| ${mode.toUpperCase()} req/s | ${best(mode, 'direct')} | ${best(mode, 'bare proxy')} | ${best(mode, 'gateway')} | ${report.throughput[mode].gatewayOverBareProxy}× |`),
    '',
    '| added latency vs direct (JSON) | gateway p50 | gateway p99 | bare proxy p50 | bare proxy p99 |',
    '|---|---|---|---|---|',
    ...report.addedLatencyMs.map((row) => `| at ${row['rate']} req/s | ${row['p50']} ms | ${row['p99']} ms | ${row['bareProxyP50']} ms | ${row['bareProxyP99']} ms |`),
    '',
    `${CONCURRENT_STREAMS} concurrent streams through the gateway: ${report.concurrentStreams.gateway.failed} failed, added time to first byte p99 ${report.concurrentStreams.addedFirstByteP99Ms} ms, gateway peak RSS ${report.concurrentStreams.gatewayPeakRssMb} MB. Machine: ${report.machine.cores} cores, Node ${report.machine.node}.`,
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
