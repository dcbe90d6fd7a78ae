import { fixtureChunks, fixtureJson } from './fixtures';
import { startReplayServer } from './replay-server';

describe('startReplayServer', () => {
  it('answers scripted responses in order, repeats the last, and records requests', async () => {
    const server = await startReplayServer();
    server.enqueue({ json: { n: 1 } }, { status: 429, text: 'slow down', headers: { 'retry-after': '1' } });
    const first = await fetch(`${server.url}/v1/x`, { method: 'POST', body: JSON.stringify({ hello: 'world' }) });
    expect(await first.json()).toEqual({ n: 1 });
    const second = await fetch(`${server.url}/v1/x`, { method: 'POST', body: '{}' });
    expect([second.status, second.headers.get('retry-after'), await second.text()]).toEqual([429, '1', 'slow down']);
    expect((await fetch(`${server.url}/again`, { method: 'POST' })).status).toBe(429);
    expect(server.requests.map((request) => [request.url, request.body])).toEqual([['/v1/x', { hello: 'world' }], ['/v1/x', {}], ['/again', undefined]]);
    await server.close();
  });

  it('replays a recorded stream as SSE, with Anthropic event names when asked', async () => {
    const server = await startReplayServer();
    const chunks = fixtureChunks('anthropic', 'anthropic-text');
    server.enqueue({ sse: chunks, eventNames: true });
    const text = await (await fetch(server.url, { method: 'POST' })).text();
    expect(text.startsWith('event: message_start\ndata: {')).toBe(true);
    expect(text.split('\n\n').filter(Boolean)).toHaveLength(chunks.length);
    expect(fixtureJson('openai', 'openai-text')).toMatchObject({ object: 'chat.completion' });
    await server.close();
  });
});
