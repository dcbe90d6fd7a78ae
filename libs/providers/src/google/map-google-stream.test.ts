import type { StreamPart } from '../chat-model';
import { createGoogleStreamMapper } from './map-google-stream';

const chunk = (parts: unknown[], finishReason?: string) => JSON.stringify({ candidates: [{ content: { role: 'model', parts }, finishReason }] });

function run(chunks: string[]): StreamPart[] {
  const mapper = createGoogleStreamMapper('google');
  return [...chunks.flatMap((data) => mapper.map(data)), ...mapper.finish()];
}

describe('createGoogleStreamMapper', () => {
  it('streams thought parts as reasoning deltas and skips empty text', () => {
    expect(run([chunk([{ text: 'Hmm.', thought: true }, { text: '' }, { text: 'Yes.' }], 'STOP')])).toEqual([
      { type: 'reasoning-delta', text: 'Hmm.' },
      { type: 'text-delta', text: 'Yes.' },
      { type: 'finish', finishReason: 'stop', usage: undefined },
    ]);
  });

  it('emits a streamed call the finish closes when Gemini sends no closing part', () => {
    expect(
      run([
        chunk([{ functionCall: { name: 'lookup', willContinue: true } }]),
        chunk([{ functionCall: { partialArgs: [{ jsonPath: '$.ids[0]', numberValue: 7 }], willContinue: true } }], 'STOP'),
      ]),
    ).toEqual([
      { type: 'tool-call-delta', index: 0, id: 'call_0', name: 'lookup', argumentsDelta: '{"ids":[7]}' },
      { type: 'finish', finishReason: 'tool_calls', usage: undefined },
    ]);
  });

  it('closes a streamed call when the next call starts, and numbers whole and streamed calls together', () => {
    const parts = run([
      chunk([{ functionCall: { name: 'a', args: { x: 1 } } }]),
      chunk([{ functionCall: { name: 'b', willContinue: true, partialArgs: [{ jsonPath: '$.y', boolValue: true }] } }]),
      chunk([{ functionCall: { id: 'given', name: 'c', args: {} } }], 'STOP'),
    ]);
    expect(parts.filter((part) => part.type === 'tool-call-delta')).toEqual([
      { type: 'tool-call-delta', index: 0, id: 'call_0', name: 'a', argumentsDelta: '{"x":1}' },
      { type: 'tool-call-delta', index: 1, id: 'call_1', name: 'b', argumentsDelta: '{"y":true}' },
      { type: 'tool-call-delta', index: 2, id: 'given', name: 'c', argumentsDelta: '{}' },
    ]);
  });

  it('turns argument pieces that belong to no call into an error part', () => {
    const mapper = createGoogleStreamMapper('google');
    const parts = mapper.map(chunk([{ functionCall: { partialArgs: [{ jsonPath: '$.x', stringValue: 'y' }] } }]));
    expect(parts).toMatchObject([{ type: 'error', error: { statusCode: 502, isRetryable: false } }]);
  });

  it('maps MAX_TOKENS to length and keeps the usage of the last chunk that reported counts', () => {
    const mapper = createGoogleStreamMapper('google');
    mapper.map(JSON.stringify({ candidates: [{ content: { parts: [{ text: 'a' }] } }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1 } }));
    mapper.map(JSON.stringify({ candidates: [{ finishReason: 'MAX_TOKENS' }], usageMetadata: { trafficType: 'ON_DEMAND' } }));
    expect(mapper.finish()).toEqual([
      { type: 'finish', finishReason: 'length', usage: { inputTokens: 3, outputTokens: 1, reasoningTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, source: 'reported' } },
    ]);
  });
});
