import { Readable } from 'node:stream';
import type { StreamPart } from '../chat-model';
import { ProviderError } from '../provider-error';
import { mapSseStream, type SseStreamMapper } from './map-sse-stream';
import type { UpstreamResponse } from './upstream-http';

/** An upstream 200 whose body is these `data:` payloads. */
function response(payloads: string[]): UpstreamResponse {
  const body = Readable.from(payloads.map((payload) => Buffer.from(`data: ${payload}\n\n`)));
  return { statusCode: 200, headers: {}, body: body as unknown as UpstreamResponse['body'] };
}

const failure = (message: string): StreamPart => ({ type: 'error', error: new ProviderError({ provider: 'p', message, statusCode: 502, reachedModel: true }) });

/** A mapper reading `start`, `text:<t>`, `fail`, `stop` payloads; it sends stream-start itself when `startsItself`. */
function mapper(startsItself: boolean): SseStreamMapper {
  let stopped = false;
  return {
    startsItself,
    map: (data) => {
      if (data === 'start') return startsItself ? [{ type: 'stream-start', warnings: [], providerResponseId: 'r1' }] : [];
      if (data === 'fail') return [failure('upstream failed')];
      if (data === 'stop') stopped = true;
      return data.startsWith('text:') ? [{ type: 'text-delta', text: data.slice(5) }] : [];
    },
    finish: () => (stopped ? [{ type: 'finish', finishReason: 'stop' }] : [failure('ended early')]),
    usageSoFar: () => undefined,
    hasStopped: () => stopped,
  };
}

async function collect(payloads: string[], startsItself: boolean, endMarker?: string): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of mapSseStream({ provider: 'p', response: response(payloads), warnings: [], mapper: mapper(startsItself), endMarker })) parts.push(part);
  return parts;
}

describe('mapSseStream, the one stream driver', () => {
  it('starts the stream on the first event, or when a mapper that starts itself says so', async () => {
    expect(await collect(['ping', 'text:a', 'stop'], false)).toEqual([{ type: 'stream-start', warnings: [] }, { type: 'text-delta', text: 'a' }, { type: 'finish', finishReason: 'stop' }]);
    expect(await collect(['ping', 'start', 'text:a', 'stop', 'text:ignored'], true)).toEqual([
      { type: 'stream-start', warnings: [], providerResponseId: 'r1' },
      { type: 'text-delta', text: 'a' },
      { type: 'finish', finishReason: 'stop' },
    ]);
  });

  it('throws a failure before the start (nothing was sent), and sends it as the last part after', async () => {
    await expect(collect(['fail'], false)).rejects.toThrow('upstream failed');
    await expect(collect(['ping', 'fail'], true)).rejects.toThrow('upstream failed');
    await expect(collect(['ping'], true)).rejects.toThrow('ended early');
    await expect(collect([], false)).rejects.toThrow('p stream ended before any event');
    expect((await collect(['start', 'text:a', 'fail', 'text:b'], true)).map((part) => part.type)).toEqual(['stream-start', 'text-delta', 'error']);
    expect((await collect(['text:a'], false)).map((part) => part.type)).toEqual(['stream-start', 'text-delta', 'error']);
  });

  it('stops reading at the end marker', async () => {
    expect((await collect(['text:a', 'stop', '[DONE]', 'text:b'], false, '[DONE]')).map((part) => part.type)).toEqual(['stream-start', 'text-delta', 'finish']);
  });
});
