import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/**
 * Property-based tests over what request-bodies.property.test.ts leaves out: `/v1/authorize` (both wallet sign-in
 * forms, and key exchange), the encodings of a completion body (gzip/deflate, bombs, invalid UTF-8, lone surrogates,
 * numbers JSON cannot hold, truncation) and its headers. Never a 5xx, never a hang, always the route's error shape,
 * and the process's memory stays bounded over the whole run.
 */

const JWT_SECRET = 'test-secret-for-tollgate-property-tests-0123456789';
const NUM_RUNS = 120;
const REQUEST_TIMEOUT_MS = 5_000;
/** Heap growth allowed over a whole run (after a GC when the process exposes one; loosely otherwise). */
const HEAP_GROWTH_BYTES = 96 * 1024 * 1024;

type Route = '/v1/authorize' | '/v1/chat/completions' | '/v1/messages';

interface Answer {
  status: number;
  text: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Why an answer breaks its route's contract, or null. `flat`: /v1/messages without `anthropic-version` answers
 * LightningProx's clients their documented `{"error":"<message>","code":"…"}`.
 */
function problemOf(route: Route, answer: Answer, flat = false): string | null {
  if (answer.status >= 500) return `a ${answer.status}`;
  if (answer.status < 400) return null;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return 'an error body that is not JSON';
  }
  if (route === '/v1/messages' && flat) {
    if (!isRecord(body) || Object.keys(body).sort().join() !== 'code,error' || typeof body['error'] !== 'string' || typeof body['code'] !== 'string') return 'not {"error":"…","code":"…"}';
    return null;
  }
  if (route === '/v1/messages') {
    if (!isRecord(body) || Object.keys(body).sort().join() !== 'error,type' || body['type'] !== 'error' || !isRecord(body['error'])) return 'not {"type":"error","error":{…}}';
    const error = body['error'];
    if (Object.keys(error).sort().join() !== 'message,type' || typeof error['type'] !== 'string' || typeof error['message'] !== 'string') return 'error is not {type, message}';
    return null;
  }
  if (!isRecord(body) || Object.keys(body).join() !== 'error' || !isRecord(body['error'])) return 'not {"error":{…}}';
  const error = body['error'];
  if (Object.keys(error).sort().join() !== 'code,message,param,type') return `error keys ${Object.keys(error).join()}`;
  const stringOrNull = (value: unknown) => value === null || typeof value === 'string';
  if (typeof error['message'] !== 'string' || typeof error['type'] !== 'string' || !stringOrNull(error['param']) || !stringOrNull(error['code'])) return 'error fields of the wrong type';
  return null;
}

const ADDRESS = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';
const nonce = fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.constantFrom('', 'x', '0'.repeat(10_000), '\ud800'.repeat(16)));
const issuedAt = fc.oneof(
  fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom(new Date().toISOString(), '', 'now', '9999-99-99T99:99:99Z', '+275760-09-13T00:00:00.001Z', '2026-01-01T00:00:00+99:99', '2026-01-01T00:00:00.123456789123Z', '0000-00-00T00:00:00Z'),
);
const oddText = fc.oneof(
  fc.constantFrom('', '\u0000', '\ud800', 'a\udfff', '\u202e', '\ufeff', '\n\n\n', '𝔘𝔫𝔦', 'x'.repeat(5_000), '99999999999999999999999999', '-1', '0x'),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
);
const signature = fc.oneof(fc.constantFrom(`0x${'ab'.repeat(65)}`, `0x${'00'.repeat(65)}`, `0x${'ff'.repeat(65)}`, '0x', `0x${'ab'.repeat(64)}1b`, `0x${'g'.repeat(130)}`), oddText, fc.jsonValue({ maxDepth: 2 }));

/** EIP-4361 text with each field drawn from plausible and hostile values. */
const siweMessage = (host: string) =>
  fc
    .record({
      domain: fc.oneof(fc.constant(host), oddText),
      address: fc.oneof(fc.constant(ADDRESS), fc.constantFrom('0x0', ADDRESS.toLowerCase(), `${ADDRESS}00`), oddText),
      uri: fc.oneof(fc.constant(`http://${host}`), oddText),
      version: fc.constantFrom('1', '2', ''),
      chainId: fc.oneof(fc.constantFrom('8453', '1', '0', '-1', '99999999999999999999999999999', '1e400', 'x'), fc.nat().map(String)),
      nonce,
      issuedAt,
      expirationTime: fc.option(issuedAt),
      notBefore: fc.option(issuedAt),
    })
    .map(
      (fields) =>
        `${fields.domain} wants you to sign in with your Ethereum account:\n${fields.address}\n\nSign in to tollgate\n\nURI: ${fields.uri}\nVersion: ${fields.version}\nChain ID: ${fields.chainId}\nNonce: ${fields.nonce}\nIssued At: ${fields.issuedAt}` +
        (fields.expirationTime === null ? '' : `\nExpiration Time: ${fields.expirationTime}`) +
        (fields.notBefore === null ? '' : `\nNot Before: ${fields.notBefore}`),
    );

const typedData = (host: string) =>
  fc.record(
    {
      domain: fc.oneof(fc.constant({ name: 'tollgate', version: '1' }), fc.jsonValue({ maxDepth: 2 })),
      types: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 })),
      primaryType: fc.constantFrom('SignIn', 'Other', undefined),
      message: fc.record(
        { address: fc.oneof(fc.constant(ADDRESS), oddText), domain: fc.oneof(fc.constant(host), oddText), nonce, issuedAt, extra: oddText },
        { requiredKeys: ['address', 'domain', 'nonce', 'issuedAt'] },
      ),
    },
    { requiredKeys: ['message'] },
  );

/** JSON text of a value, sometimes cut short. */
const maybeTruncated = (value: fc.Arbitrary<unknown>) =>
  fc.tuple(value, fc.option(fc.nat(), { freq: 4 })).map(([body, cut]) => {
    const text = JSON.stringify(body) ?? 'null';
    return cut === null ? text : text.slice(0, cut % Math.max(1, text.length));
  });

/** Raw UTF-8 (or not) bytes of a completion body with hostile text spliced into a valid one. */
const completionBytes = (route: '/v1/chat/completions' | '/v1/messages') => {
  const prefix = `{"model":"tollgate/echo","max_tokens":`;
  const maxTokens = fc.constantFrom('16', '1e999', '-1e999', '123456789012345678901234567890', '-0', '1e-400', '16.0000000000000001', '0x10', 'NaN', '"16"', '[16]');
  const content = fc.oneof(
    fc.constantFrom('"hi"', '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"a\\ud83d"', '"\\uZZZZ"', '"\\', '""', '[{"type":"text","text":"\\ud800"}]', '"\u2028\u2029"'),
    fc.string({ unit: 'grapheme', maxLength: 20 }).map((text) => JSON.stringify(text)),
  );
  const rawBytes = fc.constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.alloc(0));
  return fc.tuple(maxTokens, content, rawBytes, fc.constantFrom('prefix', 'inside', 'none'), fc.boolean()).map(([tokens, text, raw, where, stream]) => {
    const messages = `[{"role":"user","content":${text}}]`;
    const json = `${prefix}${tokens},"stream":${stream},"messages":${messages}}`;
    void route;
    if (where === 'prefix') return Buffer.concat([raw, Buffer.from(json)]);
    if (where === 'inside') return Buffer.concat([Buffer.from(`${prefix}${tokens},"stream":${stream},"messages":[{"role":"user","content":"`), raw, Buffer.from(`"}]}`)]);
    return Buffer.from(json);
  });
};

/** A content encoding and what it does to the bytes (or leaves them, when the header lies). */
type Encoding = { header: string | null; encode: (bytes: Buffer) => Buffer };
const encoding: fc.Arbitrary<Encoding> = fc.constantFrom<Encoding>(
  { header: null, encode: (bytes) => bytes },
  { header: 'identity', encode: (bytes) => bytes },
  { header: 'gzip', encode: (bytes) => gzipSync(bytes) },
  { header: 'deflate', encode: (bytes) => deflateSync(bytes) },
  { header: 'GZIP', encode: (bytes) => gzipSync(bytes) },
  { header: 'gzip', encode: (bytes) => bytes },
  { header: 'gzip', encode: (bytes) => gzipSync(bytes).subarray(0, 12) },
  { header: 'gzip, gzip', encode: (bytes) => gzipSync(gzipSync(bytes)) },
  { header: 'br', encode: (bytes) => bytes },
  { header: 'x-unknown', encode: (bytes) => bytes },
  // A bomb: megabytes of whitespace before the body, a few kilobytes on the wire.
  { header: 'gzip', encode: (bytes) => gzipSync(Buffer.concat([Buffer.alloc(16 * 1024 * 1024, 0x20), bytes])) },
  { header: 'deflate', encode: (bytes) => deflateSync(Buffer.concat([bytes, Buffer.alloc(16 * 1024 * 1024, 0x20)])) },
);

const base64Json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const headerValue = fc.oneof(
  fc.constantFrom('', ' ', 'Bearer', 'Bearer ', 'Basic YTpi', 'bearer x', `Bearer ${'x'.repeat(4_000)}`, '2023-06-01', 'true', '0'),
  // Credentials of every kind the gateway reads, well shaped and not: JWTs, spend tokens, x402 payloads, wallets.
  fc.constantFrom('Bearer a.b.c', 'Bearer eyJhbGciOiJub25lIn0.e30.', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.x', 'Bearer tgst_', `Bearer tgst_${'a'.repeat(64)}`, 'tgst_x', `Bearer tg_${'a'.repeat(48)}`),
  fc.constantFrom(base64Json({}), base64Json({ x402Version: 1, scheme: 'exact', network: 'base', payload: { signature: '0x', authorization: { value: '1e400' } } }), base64Json([]), base64Json(null), '!!!', '0x8ba1f109551bD432803012645Ac136ddd64DBA72', '0x'),
  fc.jsonValue({ maxDepth: 3 }).map(base64Json),
  fc.stringMatching(/^[\x20-\x7e]{0,40}$/),
);

describe('authorize and body encodings, property-based: never a 5xx, never a hang, the route error shape, bounded memory', () => {
  let gateway: TestGateway;
  let host: string;
  let heapBefore = 0;

  const gc = (globalThis as { gc?: () => void }).gc;
  const heapUsed = () => {
    gc?.();
    return process.memoryUsage().heapUsed;
  };

  beforeAll(async () => {
    gateway = await startTestGateway({ JWT_SECRET });
    host = new URL(gateway.url).host;
    heapBefore = heapUsed();
  });
  afterAll(() => gateway.close());

  async function send(route: Route, body: Uint8Array | undefined, headers: Record<string, string>): Promise<Answer> {
    const response = await fetch(`${gateway.url}${route}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return { status: response.status, text: await response.text() };
  }
  function check(route: Route, what: string, answer: Answer, flat = false): void {
    const problem = problemOf(route, answer, flat);
    if (problem) throw new Error(`${route} ${what.slice(0, 300)} → ${answer.status}, ${problem}: ${answer.text.slice(0, 500)}`);
  }

  it('answers any sign-in body on /v1/authorize, with or without a bearer credential', async () => {
    const body = fc.oneof(
      fc.tuple(siweMessage(host), signature).map(([message, sig]) => ({ message, signature: sig })),
      fc.tuple(typedData(host), signature).map(([data, sig]) => ({ typedData: data, signature: sig })),
      fc.tuple(oddText, signature, fc.jsonValue({ maxDepth: 2 })).map(([message, sig, typed]) => ({ message, typedData: typed, signature: sig })),
      fc.jsonValue({ maxDepth: 3 }),
    );
    const credential = fc.oneof(fc.constant(null), fc.constant('the key'), headerValue);
    await fc.assert(
      fc.asyncProperty(maybeTruncated(body), credential, async (text, bearer) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (bearer === 'the key') headers.authorization = `Bearer ${gateway.apiKey}`;
        else if (bearer !== null) headers.authorization = bearer;
        check('/v1/authorize', text, await send('/v1/authorize', new TextEncoder().encode(text), headers));
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  }, 120_000);

  it('answers completion bodies in any content encoding and with any bytes', async () => {
    const sample = fc.constantFrom('/v1/chat/completions' as const, '/v1/messages' as const).chain((route) => fc.tuple(fc.constant(route), completionBytes(route), encoding));
    await fc.assert(
      fc.asyncProperty(sample, async ([route, bytes, { header, encode }]) => {
        const headers: Record<string, string> = { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };
        if (header !== null) headers['content-encoding'] = header;
        check(route, `${header} ${bytes.toString('latin1')}`, await send(route, encode(bytes), headers));
      }),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);

  it('answers any headers on the completion routes', async () => {
    const names = fc.constantFrom('authorization', 'x-api-key', 'anthropic-version', 'anthropic-beta', 'x-tollgate-strict', 'accept', 'accept-encoding', 'idempotency-key', 'traceparent', 'x-request-id', 'content-length-x', 'x-spend-token', 'x-payment', 'payment-signature', 'x-wallet-address', 'x-tollgate-actor');
    const sample = fc.tuple(fc.constantFrom('/v1/chat/completions' as const, '/v1/messages' as const), fc.dictionary(names, headerValue, { maxKeys: 4 }), fc.boolean());
    await fc.assert(
      fc.asyncProperty(sample, async ([route, headers, keepKey]) => {
        const body = JSON.stringify({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
        const all: Record<string, string> = { 'content-type': 'application/json', ...(keepKey ? { authorization: `Bearer ${gateway.apiKey}` } : {}), ...headers };
        check(route, JSON.stringify(headers), await send(route, new TextEncoder().encode(body), all), !('anthropic-version' in all));
      }),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);

  it('keeps the heap bounded over all the runs above', () => {
    const growth = heapUsed() - heapBefore;
    expect(growth).toBeLessThan(gc ? HEAP_GROWTH_BYTES : HEAP_GROWTH_BYTES * 2);
  });
});
