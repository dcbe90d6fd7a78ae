import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors as undiciErrors, type Agent } from 'undici';
import { OPENAI_QUIRKS } from '../openai/openai-api';
import { OpenAiCompatibleModel } from '../openai-compatible/openai-compatible-model';
import { testCallOptions } from '../testing/stream-test-support';
import { ProviderError } from '../provider-error';
import { createUpstreamAgent, postJson, postJsonOk, readJsonBody, toProviderError } from './upstream-http';

/** A loopback server whose handler decides how (or whether) to answer. */
async function startServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const { server } = await startServer(() => undefined);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('upstream HTTP failures: whether the request may have reached the model', () => {
  let agent: Agent;
  const servers: Server[] = [];
  const post = (url: string) => postJson({ provider: 'openai', url, headers: {}, body: { hello: 'world' }, signal: new AbortController().signal, agent });
  const failure = (promise: Promise<unknown>) => promise.then(() => new Error('no failure'), (error: unknown) => error);
  const serve = async (handler: (request: IncomingMessage, response: ServerResponse) => void) => {
    const started = await startServer(handler);
    servers.push(started.server);
    return started.url;
  };

  beforeEach(() => {
    agent = createUpstreamAgent({ connectMs: 2000, firstByteMs: 300, idleMs: 300 });
  });
  afterEach(async () => {
    await agent.destroy();
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('(a) no response headers within the first-byte timeout: reached the model, not retryable', async () => {
    const received: string[] = [];
    const url = await serve((request) => {
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => received.push(chunk)); // reads the request, never answers
    });
    const error = await failure(post(url));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ statusCode: 504, timeout: 'first_byte', reachedModel: true, isRetryable: false });
    expect(received.join('')).toBe('{"hello":"world"}');
  });

  it('(b) the body is accepted, then the socket is destroyed: reached the model, not retryable', async () => {
    const url = await serve((request) => {
      request.resume();
      request.on('end', () => request.socket.destroy());
    });
    const error = await failure(post(url));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ statusCode: 0, reachedModel: true, isRetryable: false });
    expect((error as Error).message).toMatch(/^openai: connection broken: /);
  });

  it('(c) the connection is refused (closed port): never reached the model, retryable', async () => {
    const port = await closedPort();
    const error = await failure(post(`http://127.0.0.1:${port}/v1/chat/completions`));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ statusCode: 0, reachedModel: false, isRetryable: true });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('a body that stalls past the idle timeout: reached the model, not retryable', async () => {
    const url = await serve((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":'); // then silence
    });
    const response = await post(url);
    const error = await failure(readJsonBody('openai', response.body));
    expect(error).toMatchObject({ statusCode: 504, timeout: 'idle', reachedModel: true, isRetryable: false });
  });

  it('an HTTP error status is the provider answering: not reached, retryable by its status', async () => {
    const url = await serve((request, response) => {
      request.resume();
      response.writeHead(503, { 'content-type': 'text/plain' });
      response.end('overloaded');
    });
    const mapError = (input: { provider: string; statusCode: number; bodyText: string }) =>
      new ProviderError({ provider: input.provider, message: input.bodyText, statusCode: input.statusCode });
    const error = await failure(
      postJsonOk({ provider: 'openai', url, headers: {}, body: {}, signal: new AbortController().signal, agent, mapError }),
    );
    expect(error).toMatchObject({ statusCode: 503, message: 'overloaded', reachedModel: false, isRetryable: true });
  });

  it('a stream whose connection breaks after the 200 and before any event is thrown as reached, not retryable', async () => {
    const url = await serve((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.flushHeaders();
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const model = new OpenAiCompatibleModel('gpt-4o-mini', { provider: 'openai', baseUrl: `${url}/v1`, apiKey: 'k', agent, quirks: OPENAI_QUIRKS });
    const consume = async () => {
      for await (const _part of model.stream({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }, testCallOptions())) {
        // no part may arrive
      }
    };
    expect(await failure(consume())).toMatchObject({ reachedModel: true, isRetryable: false });
  });
});

describe('toProviderError', () => {
  const systemError = (code: string, syscall: string) => Object.assign(new Error(`${syscall} ${code} upstream.example`), { code, syscall });

  it.each([
    ['ECONNREFUSED', 'connect'],
    ['ENOTFOUND', 'getaddrinfo'],
    ['EAI_AGAIN', 'getaddrinfo'],
    ['EHOSTUNREACH', 'connect'],
    ['ENETUNREACH', 'connect'],
  ])('%s (%s) never reached the model and is retryable', (code, syscall) => {
    expect(toProviderError('openai', systemError(code, syscall))).toMatchObject({ statusCode: 0, reachedModel: false, isRetryable: true });
  });

  it('a connect timeout, a refusal of every address, and a TLS handshake failure never reached the model', () => {
    expect(toProviderError('openai', new undiciErrors.ConnectTimeoutError())).toMatchObject({ timeout: 'connect', reachedModel: false, isRetryable: true });
    const everyAddress = new AggregateError([systemError('ECONNREFUSED', 'connect'), systemError('ECONNREFUSED', 'connect')], '');
    expect(toProviderError('openai', Object.assign(everyAddress, { code: 'ECONNREFUSED' }))).toMatchObject({ reachedModel: false, isRetryable: true });
    expect(toProviderError('openai', Object.assign(new Error('cert'), { code: 'CERT_HAS_EXPIRED' }))).toMatchObject({ reachedModel: false });
  });

  it('a reset, a closed socket, a parse error or an unknown failure may have reached the model', () => {
    for (const error of [
      systemError('ECONNRESET', 'read'),
      systemError('EPIPE', 'write'),
      new undiciErrors.SocketError('other side closed'),
      new undiciErrors.HeadersTimeoutError(),
      new undiciErrors.BodyTimeoutError(),
      new Error('something else'),
    ]) {
      expect(toProviderError('openai', error)).toMatchObject({ reachedModel: true, isRetryable: false });
    }
  });

  it('passes aborts and ProviderErrors through unchanged', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(toProviderError('openai', abort)).toBe(abort);
    const mapped = new ProviderError({ provider: 'openai', message: 'x', statusCode: 429 });
    expect(toProviderError('openai', mapped)).toBe(mapped);
  });
});
