import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import pino from 'pino';
import { fingerprintKeyName, openAiProvider, PROVIDER_DEFINITIONS, type ProviderDefinition } from '@tollgate/providers';
import { fixtureChunks, fixtureJson, parsePrometheusText, sampleValue } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/** What the stand-in answers a key with. */
type KeyBehaviour = 'ok' | 429 | 401;

/** A loopback OpenAI stand-in that answers by the key in the Authorization header, and records which key came. */
interface KeyedUpstream {
  url: string;
  behaviour: Map<string, KeyBehaviour>;
  /** The keys of the requests received, in order. */
  keys: string[];
  close(): Promise<void>;
}

async function startKeyedUpstream(behaviour: Record<string, KeyBehaviour>): Promise<KeyedUpstream> {
  const keys: string[] = [];
  const behaviours = new Map(Object.entries(behaviour));
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const key = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      keys.push(key);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean };
      const answer = behaviours.get(key) ?? 401;
      if (answer === 429) {
        response.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Rate limit reached for key ${key}`, type: 'requests', code: 'rate_limit_exceeded' } }));
      } else if (answer === 401) {
        // Real providers quote the key they refused: the gateway must cut it out of everything it writes.
        response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
      } else if (body.stream) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const payload of fixtureChunks('openai', 'openai-text')) response.write(`data: ${payload}\n\n`);
        response.end('data: [DONE]\n\n');
      } else {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fixtureJson('openai', 'openai-text')));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    behaviour: behaviours,
    keys,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A gateway whose log lines are kept (as written, to check no key is in any). */
async function gatewayWithLog(settings: Record<string, string>, providers?: readonly ProviderDefinition[]): Promise<{ gateway: TestGateway; lines: string[]; client: OpenAI }> {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const gateway = await startTestGateway(settings, { logger, providers });
  return { gateway, lines, client: new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 }) };
}

const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];
const GOOD = 'sk-good-key-0000000000000000';
const THROTTLED = 'sk-throttled-key-000000000000';
const REVOKED = 'sk-revoked-key-00000000000000';

/** Sends one request, streamed or not, and answers the text served and the request id its metering event has. */
async function ask(client: OpenAI, stream: boolean, extra: { models?: string[] } = {}): Promise<{ text: string; requestId: string; raw: string }> {
  if (stream) {
    const { data, response } = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages, stream: true, ...extra }).withResponse();
    let text = '';
    let raw = '';
    for await (const chunk of data) {
      raw += JSON.stringify(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    return { text, requestId: response.headers.get('x-tollgate-request-id') as string, raw };
  }
  const { data, response } = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages, ...extra }).withResponse();
  return { text: data.choices[0].message.content ?? '', requestId: response.headers.get('x-tollgate-request-id') as string, raw: JSON.stringify(data) };
}

/** The benching log lines, parsed. */
function benchings(lines: string[]): Array<Record<string, unknown>> {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => String(line.msg).includes('benched'));
}

describe('several keys per provider, through the gateway', () => {
  it('serves every request when one of two keys answers 429, and each metering event names the key that served it', async () => {
    const upstream = await startKeyedUpstream({ [GOOD]: 'ok', [THROTTLED]: 429 });
    const { gateway, lines, client } = await gatewayWithLog({ OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEYS: `${THROTTLED}, ${GOOD}` });
    try {
      const answers: string[] = [];
      for (let index = 0; index < 10; index += 1) {
        const { text, requestId, raw } = await ask(client, index % 2 === 1);
        expect(text).toMatch(/^\*\*Holiday Name:\*\*/);
        answers.push(raw);
        expect(await gateway.meteringEvent(requestId)).toMatchObject({ status: 'ok', provider: 'openai', providerKey: fingerprintKeyName('openai', GOOD) });
      }
      // The throttled key was tried until it had failed 3 times in a row, then benched: logged once, by name.
      expect(upstream.keys.filter((key) => key === THROTTLED)).toHaveLength(3);
      expect(upstream.keys.filter((key) => key === GOOD)).toHaveLength(10);
      expect(benchings(lines)).toEqual([expect.objectContaining({ level: 40, provider: 'openai', providerKey: fingerprintKeyName('openai', THROTTLED), status: 429, benchedForMs: 60_000 })]);
      for (const text of [...lines, ...answers]) {
        expect(text).not.toContain(GOOD);
        expect(text).not.toContain(THROTTLED);
      }
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });

  it('benches a key answering 401 after 3 refusals, logs it once, counts it on /metrics, and never writes the key', async () => {
    const upstream = await startKeyedUpstream({ [GOOD]: 'ok', [REVOKED]: 401 });
    const { gateway, lines, client } = await gatewayWithLog({ OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEY: GOOD, OPENAI_API_KEYS: REVOKED, PROVIDER_KEY_BENCH_MS: '600000' });
    try {
      for (let index = 0; index < 12; index += 1) {
        const { requestId } = await ask(client, index % 3 === 0);
        expect((await gateway.meteringEvent(requestId)).providerKey).toBe(fingerprintKeyName('openai', GOOD));
      }
      expect(upstream.keys.filter((key) => key === REVOKED)).toHaveLength(3);
      const revokedName = fingerprintKeyName('openai', REVOKED);
      expect(benchings(lines)).toEqual([expect.objectContaining({ providerKey: revokedName, status: 401, benchedForMs: 600_000 })]);
      const metrics = parsePrometheusText(await (await fetch(`${gateway.url}/metrics`)).text());
      expect(sampleValue(metrics, 'tollgate_provider_key_benchings_total', { provider: 'openai', key: revokedName })).toBe(1);
      expect(sampleValue(metrics, 'tollgate_upstream_key_switches_total', { provider: 'openai' })).toBe(3);
      // The refusals quoted the key; the gateway's log lines carry it redacted.
      expect(lines.some((line) => line.includes('Incorrect API key provided: [redacted]'))).toBe(true);
      for (const line of lines) {
        expect(line).not.toContain(REVOKED);
        expect(line).not.toContain(GOOD);
      }
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });

  it('spreads requests over named keys by their weights', async () => {
    const upstream = await startKeyedUpstream({ 'sk-team-a-0000000000': 'ok', 'sk-team-b-0000000000': 'ok' });
    const openAi: ProviderDefinition = {
      ...openAiProvider,
      settings: { ...(openAiProvider.settings as NonNullable<ProviderDefinition['settings']>), keys: [{ name: 'team-a', env: 'TEAM_A_OPENAI_KEY', weight: 3 }, { name: 'team-b', env: 'TEAM_B_OPENAI_KEY' }] },
    };
    const providers = PROVIDER_DEFINITIONS.map((definition) => (definition.name === 'openai' ? openAi : definition));
    const { gateway, client } = await gatewayWithLog({ OPENAI_BASE_URL: `${upstream.url}/v1`, TEAM_A_OPENAI_KEY: 'sk-team-a-0000000000', TEAM_B_OPENAI_KEY: 'sk-team-b-0000000000' }, providers);
    try {
      const served: string[] = [];
      for (let index = 0; index < 20; index += 1) {
        const { requestId } = await ask(client, index % 4 === 0);
        served.push((await gateway.meteringEvent(requestId)).providerKey as string);
      }
      expect(served.filter((name) => name === 'team-a')).toHaveLength(15);
      expect(served.filter((name) => name === 'team-b')).toHaveLength(5);
      expect(upstream.keys.filter((key) => key === 'sk-team-a-0000000000')).toHaveLength(15);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });

  it('with every key benched, falls back to a named fallback model at once, and without one tries the benched keys anyway', async () => {
    const upstream = await startKeyedUpstream({ [GOOD]: 429, [THROTTLED]: 429 });
    const { gateway, client } = await gatewayWithLog({ OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEYS: `${GOOD},${THROTTLED}`, UPSTREAM_RETRY_BASE_DELAY_MS: '1' });
    try {
      // Each try moves to the other key; after a round a retry: 3 attempts × 2 keys, both keys benched on the way.
      const refused = await ask(client, false).catch((error: unknown) => error);
      expect(refused).toMatchObject({ status: 429, code: 'upstream_rate_limited' });
      expect(upstream.keys).toHaveLength(6);
      // Both benched: a request naming a fallback model goes straight to it, nothing sent upstream.
      const { text, requestId } = await ask(client, false, { models: ['tollgate/echo'] });
      expect(text).toBe(messages[0].content);
      expect(await gateway.meteringEvent(requestId)).toMatchObject({ model: 'tollgate/echo' });
      expect(upstream.keys).toHaveLength(6);
      // No fallback: the benched keys are tried anyway, and one that recovered serves (and is back in the rotation).
      upstream.behaviour.set(THROTTLED, 'ok');
      const served = await ask(client, true);
      expect((await gateway.meteringEvent(served.requestId)).providerKey).toBe(fingerprintKeyName('openai', THROTTLED));
      const again = await ask(client, false, { models: ['tollgate/echo'] });
      expect((await gateway.meteringEvent(again.requestId)).providerKey).toBe(fingerprintKeyName('openai', THROTTLED));
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
