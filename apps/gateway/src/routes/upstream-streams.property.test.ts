import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/**
 * Provider-side fuzz: the OpenAI and Anthropic adapters read SSE from a loopback upstream that answers with a real
 * recorded stream, cut, reordered and corrupted at random (garbage lines, invalid JSON, duplicated or missing
 * `[DONE]`, the usage chunk first, a premature close). Whatever the upstream sends, the caller gets either a JSON error
 * in the route's shape or a well-formed SSE stream that ends normally or with one clean error event; the gateway keeps
 * serving; and every request leaves one metering event whose status matches how the stream ended.
 */

const FIXTURES = '/work/shared/fixtures/providers';
const NUM_RUNS = 200;
const REQUEST_TIMEOUT_MS = 5_000;

const payloadsOf = (file: string) =>
  readFileSync(path.join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
const OPENAI_PAYLOADS = payloadsOf('openai/openai-text.chunks.txt');
const ANTHROPIC_PAYLOADS = payloadsOf('anthropic/anthropic-text.chunks.txt');

/** What the fuzzing upstream does with one recorded stream. */
type Fault =
  | { kind: 'truncate'; at: number; destroy: boolean }
  | { kind: 'swap'; first: number; second: number }
  | { kind: 'drop'; pick: number }
  | { kind: 'duplicate'; pick: number }
  | { kind: 'garbage'; pick: number; line: string }
  | { kind: 'corrupt'; pick: number; cut: number }
  | { kind: 'usage-first' }
  | { kind: 'done'; copies: number };

/** One upstream answer: SSE frames, then a clean end or a destroyed connection. */
interface Script {
  frames: string[];
  destroy: boolean;
  cutAt?: number;
  /** A non-streaming answer instead: this JSON text (cut at `cutAt`), with this status. */
  json?: { text: string; status: number };
}

const frameOf = (payload: string, eventNames: boolean): string => {
  if (!eventNames || payload === '[DONE]') return `data: ${payload}\n\n`;
  let type = 'unknown';
  try {
    type = (JSON.parse(payload) as { type?: string }).type ?? 'unknown';
  } catch {
    // an invalid payload keeps a made-up event name
  }
  return `event: ${type}\ndata: ${payload}\n\n`;
};

function scriptOf(provider: 'openai' | 'anthropic', faults: Fault[]): Script {
  const eventNames = provider === 'anthropic';
  const payloads = [...(provider === 'openai' ? OPENAI_PAYLOADS : ANTHROPIC_PAYLOADS)];
  if (provider === 'openai') payloads.push('[DONE]');
  let destroy = false;
  let cutAt: number | undefined;
  for (const fault of faults) {
    const pick = (n: number) => (payloads.length === 0 ? 0 : n % payloads.length);
    if (fault.kind === 'swap' && payloads.length > 1) {
      const [a, b] = [pick(fault.first), pick(fault.second)];
      [payloads[a], payloads[b]] = [payloads[b], payloads[a]];
    } else if (fault.kind === 'drop') payloads.splice(pick(fault.pick), 1);
    else if (fault.kind === 'duplicate' && payloads.length > 0) payloads.splice(pick(fault.pick), 0, payloads[pick(fault.pick)]);
    else if (fault.kind === 'corrupt' && payloads.length > 0) {
      const at = pick(fault.pick);
      payloads[at] = payloads[at].slice(0, fault.cut % Math.max(1, payloads[at].length));
    } else if (fault.kind === 'usage-first') {
      const usageAt = payloads.findIndex((payload) => /"usage":\{/.test(payload) && !payload.includes('message_start'));
      if (usageAt > 0) payloads.unshift(...payloads.splice(usageAt, 1));
    } else if (fault.kind === 'done') {
      const rest = payloads.filter((payload) => payload !== '[DONE]');
      payloads.length = 0;
      payloads.push(...rest, ...Array.from({ length: fault.copies }, () => '[DONE]'));
    } else if (fault.kind === 'garbage') {
      payloads.splice(pick(fault.pick), 0, `\u0000raw:${fault.line}`);
    } else if (fault.kind === 'truncate') {
      destroy = fault.destroy;
      cutAt = fault.at;
    }
  }
  const frames = payloads.map((payload) => (payload.startsWith('\u0000raw:') ? `${payload.slice(5)}\n\n` : frameOf(payload, eventNames)));
  return { frames, destroy, cutAt };
}

const garbageLine = fc.oneof(
  fc.constantFrom(
    'garbage',
    ': keep-alive comment',
    'data: {not json',
    'data: ',
    'data: null',
    'data: 42',
    'data: []',
    'data: "text"',
    'data: {}',
    'data: {"choices":null}',
    'data: {"choices":[{"delta":null}]}',
    'data: {"type":"content_block_delta","index":7,"delta":{"type":"text_delta","text":"x"}}',
    'data: {"type":"message_delta","usage":{"output_tokens":-5}}',
    'data: {"type":"message_delta","usage":{"output_tokens":1e308}}',
    'data: {"usage":{"prompt_tokens":"many","completion_tokens":null}}',
    'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
    'data: {"error":{"message":"boom","type":"server_error"}}',
    'event: ping',
    'retry: 10',
    'id: 1',
    'data: \ud800',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }).map((text) => `data: ${text.replace(/[\r\n]/g, ' ')}`),
);

const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), destroy: fc.boolean() }),
  fc.record({ kind: fc.constant('swap' as const), first: fc.nat(), second: fc.nat() }),
  fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('garbage' as const), pick: fc.nat(), line: garbageLine }),
  fc.record({ kind: fc.constant('corrupt' as const), pick: fc.nat(), cut: fc.nat() }),
  fc.constant({ kind: 'usage-first' as const }),
  fc.record({ kind: fc.constant('done' as const), copies: fc.integer({ min: 0, max: 3 }) }),
);

/** A loopback upstream that answers every request with the current script (retries see the same answer). */
async function startFuzzUpstream(): Promise<{ url: string; setScript(script: Script): void; close(): Promise<void> }> {
  let script: Script = { frames: [], destroy: false };
  const open = new Set<ServerResponse>();
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      open.add(response);
      response.on('close', () => open.delete(response));
      if (script.json) response.writeHead(script.json.status, { 'content-type': 'application/json' });
      else response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const text = script.json ? script.json.text : script.frames.join('');
      const bytes = Buffer.from(text, 'utf8');
      const cut = script.cutAt === undefined ? bytes.length : script.cutAt % (bytes.length + 1);
      response.write(bytes.subarray(0, cut), () => {
        if (script.destroy) response.destroy();
        else response.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setScript(next) {
      script = next;
    },
    close() {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

interface Frame {
  event?: string;
  data: string;
}

/** Parses an SSE body into frames; throws on anything that is not `event:`/`data:` lines separated by blank lines. */
function parseSse(text: string): Frame[] {
  if (text !== '' && !text.endsWith('\n\n')) throw new Error(`the stream does not end with a blank line: …${JSON.stringify(text.slice(-200))}`);
  const frames: Frame[] = [];
  for (const block of text.split('\n\n')) {
    if (block === '') continue;
    const frame: Frame = { data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      if (line.startsWith('event: ')) frame.event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
      else throw new Error(`an SSE line that is neither event nor data: ${JSON.stringify(line)}`);
    }
    if (data.length === 0) continue;
    frame.data = data.join('\n');
    frames.push(frame);
  }
  return frames;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** How a caller's stream ended: 'ok' (normal end) or 'error' (a clean error event last); throws when malformed. */
function endingOf(route: '/v1/chat/completions' | '/v1/messages', frames: Frame[]): 'ok' | 'error' {
  if (route === '/v1/chat/completions') {
    const last = frames.at(-1);
    if (last?.data !== '[DONE]') throw new Error(`the stream does not end with [DONE]: ${JSON.stringify(last)}`);
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.data) as unknown);
    if (frames.slice(0, -1).some((frame) => frame.data === '[DONE]')) throw new Error('[DONE] sent twice');
    const errors = chunks.filter((chunk) => isRecord(chunk) && 'error' in chunk);
    if (errors.length === 0) return 'ok';
    if (errors.length > 1 || chunks.at(-1) !== errors[0]) throw new Error('an error chunk that is not the last one');
    const error = (errors[0] as { error: unknown }).error;
    if (!isRecord(error) || typeof error['message'] !== 'string' || typeof error['type'] !== 'string') throw new Error(`a malformed error chunk: ${JSON.stringify(error)}`);
    return 'error';
  }
  const events = frames.map((frame) => ({ event: frame.event, data: JSON.parse(frame.data) as Record<string, unknown> }));
  for (const { event, data } of events) if (data['type'] !== event) throw new Error(`event ${event} carries type ${String(data['type'])}`);
  const last = events.at(-1);
  if (last?.event === 'message_stop') {
    if (events.some(({ event }) => event === 'error')) throw new Error('an error event before message_stop');
    return 'ok';
  }
  if (last?.event !== 'error') throw new Error(`the stream ends with ${String(last?.event)}, neither message_stop nor error`);
  if (events.filter(({ event }) => event === 'error').length > 1) throw new Error('more than one error event');
  const error = last.data['error'];
  if (!isRecord(error) || typeof error['type'] !== 'string' || typeof error['message'] !== 'string') throw new Error(`a malformed error event: ${JSON.stringify(last.data)}`);
  return 'error';
}

describe('upstream streams, property-based: malformed provider SSE gives the caller a clean end and one metering event', () => {
  let upstream: Awaited<ReturnType<typeof startFuzzUpstream>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startFuzzUpstream();
    gateway = await startTestGateway({
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      OPENAI_API_KEY: 'sk-test',
      ANTHROPIC_BASE_URL: upstream.url,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      UPSTREAM_IDLE_TIMEOUT_MS: '2000',
      UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '2000',
    });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  const routes = ['/v1/chat/completions', '/v1/messages'] as const;
  const models = { openai: 'openai/gpt-4o-mini', anthropic: 'anthropic/claude-sonnet-4.5' } as const;

  async function call(route: (typeof routes)[number], provider: keyof typeof models, stream = true) {
    const body = { model: models[provider], max_tokens: 64, stream, messages: [{ role: 'user', content: 'hello' }] };
    const response = await fetch(`${gateway.url}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, type: response.headers.get('content-type') ?? '', requestId: response.headers.get('x-tollgate-request-id'), text: await response.text() };
  }

  async function check(route: (typeof routes)[number], provider: keyof typeof models, script: Script): Promise<void> {
    upstream.setScript(script);
    const answer = await call(route, provider, script.json === undefined);
    if (!answer.requestId) throw new Error('no x-tollgate-request-id header');
    let ending: 'ok' | 'error';
    if (answer.status === 200 && script.json) {
      const body = JSON.parse(answer.text) as Record<string, unknown>;
      const expected = route === '/v1/messages' ? 'message' : 'chat.completion';
      if (body[route === '/v1/messages' ? 'type' : 'object'] !== expected) throw new Error(`a 200 that is not a ${expected}: ${answer.text.slice(0, 300)}`);
      ending = 'ok';
    } else if (answer.status === 200) {
      if (!answer.type.startsWith('text/event-stream')) throw new Error(`200 with content type ${answer.type}`);
      ending = endingOf(route, parseSse(answer.text));
    } else {
      // Failed before the first byte: a JSON error in the route's shape (a 502/504 is the provider's fault, fair).
      const body = JSON.parse(answer.text) as Record<string, unknown>;
      const error = body['error'];
      if (!isRecord(error) || typeof error['message'] !== 'string') throw new Error(`${answer.status} outside the error shape: ${answer.text.slice(0, 300)}`);
      if (route === '/v1/messages' && body['type'] !== 'error') throw new Error(`an Anthropic error without type 'error': ${answer.text.slice(0, 300)}`);
      ending = 'error';
    }
    const event = await gateway.meteringEvent(answer.requestId);
    if (ending === 'ok' && event.status !== 'ok') throw new Error(`a stream that ended normally was metered ${event.status}`);
    if (ending === 'error' && event.status === 'ok') throw new Error(`a stream that ended in error was metered ok: ${answer.text.slice(-300)}`);
  }

  it('keeps every faulted stream well formed and metered, on both routes and both adapters', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.constantFrom('openai' as const, 'anthropic' as const), fc.array(fault, { minLength: 1, maxLength: 3 }), async (route, provider, faults) => {
        await check(route, provider, scriptOf(provider, faults));
      }),
      { numRuns: NUM_RUNS },
    );
    // Still serving after all of it: the untouched recording streams to a normal end.
    upstream.setScript(scriptOf('openai', []));
    const answer = await call('/v1/chat/completions', 'openai');
    expect(answer.status).toBe(200);
    expect(endingOf('/v1/chat/completions', parseSse(answer.text))).toBe('ok');
  }, 120_000);

  it('answers malformed non-streaming provider JSON with a completion or a JSON error, metered either way', async () => {
    const recordings = {
      openai: readFileSync(path.join(FIXTURES, 'openai/openai-text.json'), 'utf8'),
      anthropic: readFileSync(path.join(FIXTURES, 'anthropic/anthropic-text.json'), 'utf8'),
    };
    const mutateJson = fc.oneof(
      fc.nat().map((cut) => (text: string) => text.slice(0, cut % text.length)),
      fc.tuple(fc.nat(), garbageLine).map(([at, junk]) => (text: string) => `${text.slice(0, at % text.length)}${junk}${text.slice(at % text.length)}`),
      fc.constantFrom(
        (text: string) => text.replace(/"usage"/, '"usage_"'),
        (text: string) => text.replace(/"(prompt|input)_tokens": \d+/, '"$1_tokens": -7'),
        (text: string) => text.replace(/"(completion|output)_tokens": \d+/, '"$1_tokens": 1e308'),
        (text: string) => text.replace(/"content": /, '"content": null, "x": '),
        () => '',
        () => 'null',
        () => '[]',
        () => '{"error":{"message":"boom","type":"server_error"}}',
      ),
    );
    const sample = fc.tuple(fc.constantFrom(...routes), fc.constantFrom('openai' as const, 'anthropic' as const), mutateJson, fc.constantFrom(200, 200, 200, 400, 429, 500, 529), fc.boolean());
    await fc.assert(
      fc.asyncProperty(sample, async ([route, provider, change, status, destroy]) => {
        await check(route, provider, { frames: [], destroy, json: { text: change(recordings[provider]), status } });
      }),
      { numRuns: NUM_RUNS / 2 },
    );
  }, 120_000);

  it('streams the untouched recordings to a normal end, metered ok', async () => {
    for (const route of routes) for (const provider of ['openai', 'anthropic'] as const) await check(route, provider, scriptOf(provider, []));
  }, 30_000);
});
