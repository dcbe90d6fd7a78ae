import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const REQUEST_TIMEOUT_MS = 1_500;

/** Writes a raw HTTP/1.1 request in `pieces`, `delayMs` apart, and reads the whole answer until the server closes. */
function rawRequest(url: string, pieces: Buffer[], delayMs: number): Promise<{ status: number; body: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined); // writes after the server closed: the answer is what counts
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4), closedAfterMs: Date.now() - started });
    });
    socket.setTimeout(20_000, () => reject(new Error('no answer within 20 s')));
    socket.on('connect', async () => {
      for (const piece of pieces) {
        if (socket.destroyed) return;
        socket.write(piece);
        await new Promise((resolve_) => setTimeout(resolve_, delayMs));
      }
    });
  });
}

/** A chat completion request as raw bytes (`connection: close`, so the answer ends with the connection). */
function chatRequest(apiKey: string, content: string): Buffer {
  const body = JSON.stringify({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content }] });
  return Buffer.from(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer ${apiKey}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Splits bytes at the given (sorted, deduplicated) offsets. */
function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const offsets = [...new Set(cuts.map((cut) => cut % bytes.length))].sort((a, b) => a - b);
  return [0, ...offsets].map((start, index) => bytes.subarray(start, offsets[index] ?? bytes.length)).filter((piece) => piece.length > 0);
}

/**
 * Slow and fragmented requests: a request that arrives in pieces — however it is cut, at any pace within
 * REQUEST_TIMEOUT_MS — is answered as if it had come at once; one trickled slower than that is answered 408 in the API's
 * error shape and its connection closed, so it cannot hold a socket; bytes that are not HTTP get a JSON 400. The
 * gateway keeps answering others meanwhile.
 */
describe('slow and fragmented requests', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  });
  afterAll(() => gateway.close());

  it('answers a request cut anywhere into pieces sent up to 40 ms apart as if it came whole (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), async (cuts, delayMs, content) => {
        const answer = await rawRequest(gateway.url, splitAt(chatRequest(gateway.apiKey, content || 'hi'), cuts), delayMs);
        expect(answer.status).toBe(200);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('answers 408 in the error shape to a body trickled past REQUEST_TIMEOUT_MS, closes it, and serves others meanwhile', async () => {
    const request = chatRequest(gateway.apiKey, 'slow');
    const headerEnd = request.indexOf('\r\n\r\n') + 4;
    // The headers at once, then one body byte every 100 ms: ~10 s for the whole body, far past the 1.5 s allowed.
    const slow = rawRequest(gateway.url, [request.subarray(0, headerEnd), ...splitAt(request.subarray(headerEnd), Array.from({ length: 100 }, (_, index) => index + 1))], 100);
    const meanwhile = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(meanwhile.status).toBe(200);
    const answer = await slow;
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({ error: { message: expect.stringContaining('not received in full'), type: 'invalid_request_error', param: null, code: 'request_timeout' } });
    expect(answer.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 2_500);
  }, 30_000);

  it('answers 408 to headers that never end, and a JSON 400 to bytes that are not HTTP', async () => {
    const headers = Buffer.from('POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\n');
    const trickled = await rawRequest(gateway.url, [headers, ...Array.from({ length: 60 }, () => Buffer.from('x-pad: 1\r\n'))], 100);
    expect(trickled.status).toBe(408);
    expect(trickled.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 2_500);
    const garbage = await rawRequest(gateway.url, [Buffer.from('\u0000\u0001 not http at all\r\n\r\n')], 0);
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({ error: { code: 'malformed_http_request', type: 'invalid_request_error' } });
  }, 30_000);
});
