import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake gateway received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface FakeGateway {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Tokens the fake gateway knows: one with funds, one without. */
export const FUNDED_TOKEN = 'tgst_funded';
export const BROKE_TOKEN = 'tg_broke';

export const INSUFFICIENT_FUNDS_MESSAGE = 'Insufficient funds: balance $0.000000 USD is less than the $0.000452 this request may cost';

export const FAKE_CATALOG = [
  { id: 'tollgate/echo', provider: 'tollgate', name: 'Echo (built in)', available: true, aliases: ['echo'], price_per_1k_tokens: '0.0001 in / $0.0004 out', price_per_1k_tokens_usd: { input: '0.0001', output: '0.0004' }, price_per_million_tokens: { input: '0.10', output: '0.40' } },
  { id: 'anthropic/claude-opus-4.5', provider: 'anthropic', name: 'Claude Opus 4.5', available: false, aliases: ['claude-opus-4-5'], price_per_1k_tokens: '0.005 in / $0.025 out', price_per_1k_tokens_usd: { input: '0.005', output: '0.025' }, price_per_million_tokens: { input: '5.00', output: '25.00' } },
  { id: 'openai/gpt-4o-mini', provider: 'openai', name: 'GPT-4o mini', available: true, aliases: [], price_per_1k_tokens: '0.00015 in / $0.0006 out', price_per_1k_tokens_usd: { input: '0.00015', output: '0.0006' }, price_per_million_tokens: { input: '0.15', output: '0.60' } },
  { id: 'anthropic/claude-haiku-4.5', provider: 'anthropic', name: 'Claude Haiku 4.5', available: true, aliases: [], price_per_1k_tokens: '0.001 in / $0.005 out', price_per_1k_tokens_usd: { input: '0.001', output: '0.005' }, price_per_million_tokens: { input: '1.00', output: '5.00' } },
];

const anthropicError = (type: string, message: string) => ({ type: 'error', error: { type, message } });

function credential(headers: IncomingHttpHeaders): string | undefined {
  const spendToken = headers['x-spend-token'] ?? headers['x-api-key'];
  if (typeof spendToken === 'string') return spendToken;
  return headers.authorization?.replace(/^Bearer /, '');
}

/**
 * A loopback HTTP server speaking the gateway's contract for `/v1/messages`, `/v1/balance` and `/api/capabilities`:
 * the echo model answers, `tg_broke` gets 402, an unknown model 400 naming it, an unknown token 401. Two models
 * misbehave on purpose: `broken/html` (a 502 HTML page from a proxy) and `broken/shape` (200 with a wrong body).
 */
export async function startFakeGateway(): Promise<FakeGateway> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const body: unknown = raw ? JSON.parse(raw) : undefined;
      const path = request.url ?? '/';
      requests.push({ method: request.method ?? 'GET', path, headers: request.headers, body });
      const send = (status: number, json: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      };
      if (request.method === 'GET' && path === '/api/capabilities') return send(200, { models: FAKE_CATALOG });
      const token = credential(request.headers);
      if (token !== FUNDED_TOKEN && token !== BROKE_TOKEN) return send(401, anthropicError('authentication_error', 'invalid API key or spend token'));
      if (request.method === 'GET' && path === '/v1/balance') {
        const funded = token === FUNDED_TOKEN;
        return send(200, {
          balance_usd: funded ? '9.998' : '0',
          credit_limit_usd: funded ? '10' : '1',
          debt_usd: funded ? '0.002' : '1',
          requests: funded ? 3 : 40,
          tokens: funded ? { input: 1000, output: 234, reasoning: 0, cacheRead: 0, cacheWrite: 0, total: 1234 } : 99999,
          expires_at: funded ? null : '2030-01-01T00:00:00.000Z',
          balance_sats: null,
        });
      }
      if (request.method === 'POST' && path === '/v1/messages') {
        const { model, messages } = body as { model: string; messages: { content: string }[] };
        if (model === 'broken/html') {
          response.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
          return;
        }
        if (model === 'broken/shape') return send(200, { choices: [] });
        if (!FAKE_CATALOG.some((entry) => entry.id === model)) return send(400, anthropicError('invalid_request_error', `model '${model}' is not in the catalog`));
        if (token === BROKE_TOKEN) return send(402, anthropicError('insufficient_funds', INSUFFICIENT_FUNDS_MESSAGE));
        return send(200, {
          id: 'msg_fake_1',
          type: 'message',
          role: 'assistant',
          model,
          content: [{ type: 'text', text: `echo: ${messages[0]?.content ?? ''}` }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: {
            input_tokens: 12,
            output_tokens: 7,
            cache_read_input_tokens: 0,
            cache_creation_input_tokens: 0,
            cost: { base: '0.000004', commission: '0.0000004', total: '0.0000044' },
          },
        });
      }
      send(404, anthropicError('not_found_error', `no route ${request.method} ${path}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
