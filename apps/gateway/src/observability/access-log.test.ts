import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { createLogger } from '@tollgate/config';
import { createAccountWithKey } from '@tollgate/db';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  [field: string]: unknown;
}

describe('access log: one info line per request, written when its response closes', () => {
  let gateway: TestGateway;
  const lines: LogLine[] = [];
  beforeAll(async () => {
    const logger = createLogger('gateway', 'info', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString()) as LogLine), done()) }));
    gateway = await startTestGateway({}, { logger });
  });
  afterAll(() => gateway.close());

  const accessLines = (requestId: string) => lines.filter((line) => line.msg === 'request' && line.requestId === requestId);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('gives method, route, status, model, account, request id, duration and cost of a JSON call and a stream', async () => {
    const client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: 'echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi there' }] }).withResponse();
    const stream = await client.chat.completions.create({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'one two' }], stream: true, stream_options: { include_usage: true } }).withResponse();
    let streamCost: string | undefined;
    for await (const chunk of stream.data) streamCost = (chunk.usage as unknown as { cost?: { total: string } } | undefined)?.cost?.total ?? streamCost;
    await settle();

    const jsonId = response.headers.get('x-tollgate-request-id') as string;
    expect(accessLines(jsonId)).toEqual([
      expect.objectContaining({
        level: 30,
        method: 'POST',
        route: '/v1/chat/completions',
        status: 200,
        model: 'tollgate/echo',
        accountId: gateway.accountId,
        durationMs: expect.any(Number),
        cost: (data.usage as unknown as { cost: { total: string } }).cost.total,
      }),
    ]);
    const streamId = stream.response.headers.get('x-tollgate-request-id') as string;
    expect(accessLines(streamId)).toEqual([expect.objectContaining({ status: 200, model: 'tollgate/echo', cost: streamCost, accountId: gateway.accountId })]);
    expect(accessLines(streamId)[0]).not.toHaveProperty('aborted');
  });

  it('logs refusals and unknown routes once too, without a model or cost', async () => {
    const poor = await createAccountWithKey(gateway.db.prisma, { name: 'poor', creditLimit: '0.0001' });
    const refused = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${poor.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'x' }] }),
    });
    const missing = await fetch(`${gateway.url}/v1/nothing-here/42`);
    const health = await fetch(`${gateway.url}/healthz`);
    await settle();
    const refusedLines = accessLines(refused.headers.get('x-tollgate-request-id') as string);
    expect(refusedLines).toEqual([expect.objectContaining({ level: 30, status: 402, accountId: poor.account.id, route: '/v1/chat/completions' })]);
    expect(refusedLines[0]).not.toHaveProperty('model');
    expect(refusedLines[0]).not.toHaveProperty('cost');
    // The raw path is not the route: ids in a path never become a label or a log field of their own.
    expect(accessLines(missing.headers.get('x-tollgate-request-id') as string)).toEqual([expect.objectContaining({ status: 404, route: 'unmatched' })]);
    // Probes are logged at debug: none at info.
    expect(accessLines(health.headers.get('x-tollgate-request-id') as string)).toEqual([]);
  });
});
