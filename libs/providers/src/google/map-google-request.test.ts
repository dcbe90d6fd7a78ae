import type { ChatCompletionRequest } from '@tollgate/schemas';
import { ProviderError, UnsupportedSettingError } from '../provider-error';
import { guessImageMimeType, mapGoogleImage, needsThoughtSignature, SKIP_THOUGHT_SIGNATURE } from './map-google-messages';
import { mapGoogleGenerationConfig, mapGoogleRequest, mapGoogleToolChoice } from './map-google-request';

const base: ChatCompletionRequest = { model: 'google/gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }] };
const map = (request: Partial<ChatCompletionRequest>, strict = false, upstreamModelId = 'gemini-2.5-flash') =>
  mapGoogleRequest({ ...base, ...request }, { provider: 'google', upstreamModelId, maxOutputTokens: 1000, strict });

const toolRoundTrip: ChatCompletionRequest['messages'] = [
  { role: 'user', content: 'Weather in Paris and Rome?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
      { id: 'c2', type: 'function', function: { name: 'time', arguments: '' } },
    ],
  },
  { role: 'tool', tool_call_id: 'c2', content: '12:00' },
  { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
];

describe('mapGoogleToolChoice', () => {
  it.each([
    ['auto', { mode: 'AUTO' }],
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
  ] as const)('maps %s', (choice, expected) => {
    expect(mapGoogleToolChoice(choice)).toEqual(expected);
  });

  it('limits a named function to ANY with that name allowed', () => {
    expect(mapGoogleToolChoice({ type: 'function', function: { name: 'weather' } })).toEqual({ mode: 'ANY', allowedFunctionNames: ['weather'] });
  });
});

describe('mapGoogleGenerationConfig', () => {
  it('always carries the output budget, and passes other values unchanged', () => {
    expect(mapGoogleGenerationConfig(base, 1000)).toEqual({ maxOutputTokens: 1000 });
    expect(mapGoogleGenerationConfig({ ...base, temperature: 2, stop: 'STOP' }, 1000)).toEqual({
      temperature: 2,
      maxOutputTokens: 1000,
      stopSequences: ['STOP'],
    });
  });

  it("sends the budget, never the request's max_tokens or max_completion_tokens", () => {
    expect(mapGoogleGenerationConfig({ ...base, max_tokens: 100_000 }, 65536)).toEqual({ maxOutputTokens: 65536 });
    expect(mapGoogleGenerationConfig({ ...base, max_completion_tokens: 1, max_tokens: 40000 }, 1)).toEqual({ maxOutputTokens: 1 });
  });

  it('asks for JSON for json_object, and for a schema-less json_schema', () => {
    const json = { responseMimeType: 'application/json', maxOutputTokens: 8 };
    expect(mapGoogleGenerationConfig({ ...base, response_format: { type: 'json_object' } }, 8)).toEqual(json);
    expect(mapGoogleGenerationConfig({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, 8)).toEqual(json);
    expect(mapGoogleGenerationConfig({ ...base, response_format: { type: 'text' } }, 8)).toEqual({ maxOutputTokens: 8 });
  });
});

describe('mapGoogleRequest', () => {
  it('names each tool result after the call it answers and merges consecutive results into one user turn', () => {
    const { body } = map({ messages: toolRoundTrip });
    expect(body.contents.slice(1)).toEqual([
      {
        role: 'model',
        parts: [{ functionCall: { name: 'weather', args: { city: 'Paris' } } }, { functionCall: { name: 'time', args: {} } }],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'time', response: { content: '12:00' } } },
          { functionResponse: { name: 'weather', response: { content: 'sunny' } } },
        ],
      },
    ]);
  });

  it('signs the first function call of each model turn for models that check thought signatures (Gemini 3)', () => {
    expect(needsThoughtSignature('gemini-2.5-pro')).toBe(false);
    expect(needsThoughtSignature('gemini-2.0-flash')).toBe(false);
    expect(needsThoughtSignature('gemini-3-pro-preview')).toBe(true);
    const { body } = map({ messages: toolRoundTrip }, false, 'gemini-3-pro-preview');
    expect(body.contents[1].parts).toEqual([
      { functionCall: { name: 'weather', args: { city: 'Paris' } }, thoughtSignature: SKIP_THOUGHT_SIGNATURE },
      { functionCall: { name: 'time', args: {} } },
    ]);
  });

  it('refuses a tool result that answers no earlier call, and tool call arguments that are not a JSON object', () => {
    const orphan = () => map({ messages: [...toolRoundTrip, { role: 'tool', tool_call_id: 'c9', content: 'x' }] });
    expect(orphan).toThrow(ProviderError);
    expect(orphan).toThrow(/messages\[4\] answers tool call c9/);
    const badArguments = (text: string) => () =>
      map({ messages: [{ role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: text } }] }] });
    expect(badArguments('{"city":')).toThrow(/not JSON/);
    expect(badArguments('[1,2]')).toThrow(/not a JSON object/);
    try {
      orphan();
    } catch (error) {
      expect(error).toMatchObject({ statusCode: 400, isRetryable: false });
    }
  });

  it('gathers every system message into the system instruction, in order', () => {
    const { body } = map({
      messages: [
        { role: 'system', content: 'First.' },
        { role: 'user', content: 'Hi' },
        { role: 'system', content: [{ type: 'text', text: 'Sec' }, { type: 'text', text: 'ond.' }] },
      ],
    });
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'First.' }, { text: 'Second.' }] });
    expect(body.contents).toEqual([{ role: 'user', parts: [{ text: 'Hi' }] }]);
  });

  it('leaves out an empty assistant message', () => {
    const { body } = map({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: '' }, { role: 'user', content: 'Hello?' }] });
    expect(body.contents.map((content) => content.role)).toEqual(['user', 'user']);
  });

  it('warns about message names, image detail and strict function schemas, or refuses them in strict mode', () => {
    const request: Partial<ChatCompletionRequest> = {
      messages: [
        { role: 'user', name: 'ada', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }] },
      ],
      tools: [{ type: 'function', function: { name: 'f', strict: true } }],
    };
    expect(map(request).warnings.map((warning) => warning.setting)).toEqual([
      'messages[0].name',
      'messages[0].content[0].image_url.detail',
      'tools[0].function.strict',
    ]);
    expect(() => map(request, true)).toThrow(UnsupportedSettingError);
    expect(map({ parallel_tool_calls: true }).warnings).toEqual([]);
  });
});

describe('images', () => {
  it('sends a data URL inline and an http URL by reference with a type guessed from its extension', () => {
    expect(mapGoogleImage('data:image/jpeg;base64,/9j/4AAQ')).toEqual({ inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } });
    expect(mapGoogleImage('http://example.com/x.GIF')).toEqual({ fileData: { mimeType: 'image/gif', fileUri: 'http://example.com/x.GIF' } });
    expect(guessImageMimeType('https://example.com/a.png#frag')).toBe('image/png');
    expect(guessImageMimeType('https://example.com/image?format=png')).toBe('image/jpeg');
    expect(guessImageMimeType('https://example.com/a.heic')).toBe('image/heic');
  });
});
