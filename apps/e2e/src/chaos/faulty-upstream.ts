import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How the upstream answers right now: normally, or one of the ways providers fail. */
export type UpstreamMode = 'ok' | 'error-500' | 'reset' | 'stall';

/** What a prompt asks of the upstream: `chaos-call:<id> chunks:<n> pace:<ms>` (see promptFor). */
export function promptFor(callId: string, chunks: number, paceMs: number): string {
  return `chaos-call:${callId} chunks:${chunks} pace:${paceMs}`;
}

export const PROMPT_TOKENS = 11;

/**
 * A loopback provider speaking OpenAI's Chat Completions wire format (JSON, or SSE with usage in its last chunk) that
 * can be told to fail. It keeps its own record of every call it answered in full — those the provider would bill, so
 * the ledger must hold each of them — and of every call it saw at all.
 */
export interface FaultyUpstream {
  /** Base URL for OPENAI_BASE_URL (`…/v1`). */
  url: string;
  setMode(mode: UpstreamMode): void;
  /** Call ids the upstream saw (any attempt, any outcome). */
  seen: Set<string>;
  /** Call ids the upstream answered in full, with the usage it reported. */
  answered: Map<string, { completionTokens: number }>;
  /** Requests answered per mode, for the report. */
  requestsByMode: Record<UpstreamMode, number>;
  close(): Promise<void>;
}

export async function startFaultyUpstream(): Promise<FaultyUpstream> {
  let mode: UpstreamMode = 'ok';
  const seen = new Set<string>();
  const answered = new Map<string, { completionTokens: number }>();
  const requestsByMode: Record<UpstreamMode, number> = { ok: 0, 'error-500': 0, reset: 0, stall: 0 };
  const sockets = new Set<Socket>();

  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const body = Buffer.concat(parts).toString();
      const callId = /chaos-call:([A-Za-z0-9_-]+)/.exec(body)?.[1];
      const chunks = Number(/chunks:(\d+)/.exec(body)?.[1] ?? 4);
      const paceMs = Number(/pace:(\d+)/.exec(body)?.[1] ?? 0);
      const streamed = /"stream"\s*:\s*true/.test(body);
      if (callId) seen.add(callId);
      const current = mode;
      requestsByMode[current] += 1;
      const done = () => {
        if (callId) answered.set(callId, { completionTokens: chunks });
      };
      answer(request, response, { current, streamed, chunks, paceMs, done });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    setMode: (next) => (mode = next),
    seen,
    answered,
    requestsByMode,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const base = { id: 'chatcmpl-chaos', created: 1764200000, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_chaos' };
const usageOf = (chunks: number) => ({ prompt_tokens: PROMPT_TOKENS, completion_tokens: chunks, total_tokens: PROMPT_TOKENS + chunks });
const sse = (data: object) => `data: ${JSON.stringify(data)}\n\n`;
const chunk = (delta: object, finish: string | null) => sse({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });

function answer(
  request: IncomingMessage,
  response: ServerResponse,
  plan: { current: UpstreamMode; streamed: boolean; chunks: number; paceMs: number; done: () => void },
): void {
  const { current, streamed, chunks, paceMs, done } = plan;
  if (current === 'error-500') {
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', code: null } }));
    return;
  }
  if (!streamed) {
    if (current === 'reset') return void request.socket.destroy();
    if (current === 'stall') return; // never answers: the gateway's first-byte timeout ends it
    const json = JSON.stringify({
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'word '.repeat(chunks).trim() }, finish_reason: 'stop', logprobs: null }],
      usage: usageOf(chunks),
    });
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    response.end(json, done);
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.write(chunk({ role: 'assistant', content: '' }, null));
  // A failing stream breaks half way: a reset cuts the connection, a stall stops sending (the idle timeout ends it).
  const breakAt = current === 'ok' ? Number.POSITIVE_INFINITY : Math.floor(chunks / 2);
  let sent = 0;
  const next = () => {
    if (response.destroyed) return;
    if (sent >= breakAt) {
      if (current === 'reset') request.socket.destroy();
      return;
    }
    if (sent === chunks) {
      response.end(`${chunk({}, 'stop')}${sse({ ...base, object: 'chat.completion.chunk', choices: [], usage: usageOf(chunks) })}data: [DONE]\n\n`, done);
      return;
    }
    sent += 1;
    response.write(chunk({ content: 'word ' }, null));
    setTimeout(next, paceMs);
  };
  next();
}
