import { mapOpenAiCompatibleFinishReason } from './map-openai-compatible-finish-reason';
import { createOpenAiCompatibleStreamMapper } from './map-openai-compatible-stream';

const chunk = (delta: unknown, finishReason: string | null = null) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finishReason }] });

describe('createOpenAiCompatibleStreamMapper', () => {
  it('numbers whole tool calls sent without `index` in order (Mistral)', () => {
    const mapper = createOpenAiCompatibleStreamMapper('mistral');
    const parts = mapper.map(
      chunk({
        tool_calls: [
          { id: 'aaaaaaaa1', function: { name: 'weather', arguments: '{"location":"Paris"}' } },
          { id: 'aaaaaaaa2', function: { name: 'weather', arguments: '{"location":"Lyon"}' } },
        ],
      }),
    );
    expect(parts.map((part) => (part.type === 'tool-call-delta' ? [part.index, part.id] : part.type))).toEqual([
      [0, 'aaaaaaaa1'],
      [1, 'aaaaaaaa2'],
    ]);
  });

  it('lets an index-less delta without an id continue the latest call instead of starting a new one', () => {
    const mapper = createOpenAiCompatibleStreamMapper('compatible');
    mapper.map(chunk({ tool_calls: [{ id: 'call_1', function: { name: 'search', arguments: '{"q":' } }] }));
    const [continued] = mapper.map(chunk({ tool_calls: [{ function: { arguments: '"x"}' } }] }));
    expect(continued).toEqual({ type: 'tool-call-delta', index: 0, id: undefined, name: undefined, argumentsDelta: '"x"}' });
  });

  it('treats an empty name or id in a continuation delta as absent', () => {
    const mapper = createOpenAiCompatibleStreamMapper('mistral');
    const [part] = mapper.map(chunk({ tool_calls: [{ index: 0, id: '', type: 'function', function: { name: '', arguments: '{}' } }] }));
    expect(part).toEqual({ type: 'tool-call-delta', index: 0, id: undefined, name: undefined, argumentsDelta: '{}' });
  });

  it('turns a chunk that is not JSON, or not a chunk, into an error part rather than throwing', () => {
    const mapper = createOpenAiCompatibleStreamMapper('together');
    expect(mapper.map('{not json')[0]).toMatchObject({ type: 'error', error: { provider: 'together', statusCode: 502 } });
    expect(mapper.map(JSON.stringify({ choices: 'nope' }))[0]).toMatchObject({ type: 'error' });
    expect(mapper.map(JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } }))[0]).toMatchObject({
      type: 'error',
      error: { message: 'together stream error: overloaded', upstreamCode: 'server_error' },
    });
    expect(mapper.map(JSON.stringify({ error: 'Internal server error' }))[0]).toMatchObject({
      type: 'error',
      error: { message: 'together stream error: Internal server error' },
    });
  });

  it('ends with an error part when the stream stops before a finish reason', () => {
    const mapper = createOpenAiCompatibleStreamMapper('mistral');
    mapper.map(chunk({ content: 'Hel' }));
    expect(mapper.finish()).toMatchObject([{ type: 'error', error: { message: 'mistral stream ended before the model finished' } }]);
  });
});

describe('mapOpenAiCompatibleFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['eos', 'stop'],
    ['length', 'length'],
    ['model_length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['function_call', 'tool_calls'],
    ['content_filter', 'content_filter'],
    ['error', 'error'],
    ['insufficient_system_resource', 'error'],
  ] as const)('%s → %s', (upstream, mapped) => {
    expect(mapOpenAiCompatibleFinishReason(upstream)).toBe(mapped);
  });
});
