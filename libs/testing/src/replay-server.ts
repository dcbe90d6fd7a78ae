import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted upstream answer. */
export type ReplayResponse =
  | {
      status?: number;
      json: unknown;
      headers?: Record<string, string>;
      /** Answer only after this many milliseconds (a long non-streaming generation). */
      delayMs?: number;
    }
  | {
      status?: number;
      /** SSE `data:` payloads, sent as `data: L\n\n` each. */
      sse: string[];
      /** Anthropic style: send `event: <type>\n` (the payload's `type`) before each `data:` line. */
      eventNames?: boolean;
      /** Append `data: [DONE]` (OpenAI style). */
      done?: boolean;
      /** Stop after this many payloads and destroy the connection (a provider dying mid-stream). */
      dropAfter?: number;
      /** Pause between payloads, in milliseconds. */
      delayMs?: number;
      /** Pause only before the payloads from this index on (a stream that stalls mid-way); default 0. */
      delayFrom?: number;
      headers?: Record<string, string>;
    }
  | { status: number; text: string; headers?: Record<string, string> }
  /** Accept the request and never answer (for timeouts). */
  | { hang: true };

/** A request the replay server received. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Set once the client closed the connection before the whole response was sent (e.g. the gateway aborted). */
  aborted: boolean;
}

/**
 * A loopback HTTP server that answers with scripted responses in order (the last one repeats when the script runs
 * out) and records every request, for adapter tests that replay recorded provider traffic.
 */
export interface ReplayServer {
  url: string;
  requests: RecordedRequest[];
  /** Queues responses; each request takes the next one. */
  enqueue(...responses: ReplayResponse[]): void;
  close(): Promise<void>;
}

export async function startReplayServer(): Promise<ReplayServer> {
  const script: ReplayResponse[] = [];
  let last: ReplayResponse | undefined;
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // keep the text
      }
      const recorded: RecordedRequest = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body, aborted: false };
      requests.push(recorded);
      response.on('close', () => {
        if (!response.writableFinished) recorded.aborted = true;
      });
      const next = script.shift() ?? last;
      last = next;
      if (!next) {
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"replay script is empty"}}');
        return;
      }
      open.add(response);
      response.on('close', () => open.delete(response));
      void answer(next, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...responses) => script.push(...responses),
    close: async () => {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function answer(reply: ReplayResponse, response: ServerResponse): Promise<void> {
  if ('hang' in reply) return;
  if ('json' in reply) {
    if (reply.delayMs) await pause(reply.delayMs, response);
    if (response.destroyed) return;
    response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(reply.json));
    return;
  }
  if ('text' in reply) {
    response.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers }).end(reply.text);
    return;
  }
  response.writeHead(reply.status ?? 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
  response.flushHeaders();
  for (const [index, payload] of reply.sse.entries()) {
    if (reply.dropAfter !== undefined && index >= reply.dropAfter) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // let what was written reach the client first
      response.destroy();
      return;
    }
    if (reply.delayMs && index >= (reply.delayFrom ?? 0)) await pause(reply.delayMs, response);
    if (response.destroyed) return;
    const eventName = reply.eventNames ? `event: ${(JSON.parse(payload) as { type?: string }).type}\n` : '';
    response.write(`${eventName}data: ${payload}\n\n`);
  }
  if (reply.done) response.write('data: [DONE]\n\n');
  response.end();
}

/** Waits `ms`, or less if the client goes away meanwhile (so no timer outlives a test). */
function pause(ms: number, response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      response.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    response.on('close', done);
  });
}
