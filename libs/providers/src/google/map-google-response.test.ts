import { ProviderError } from '../provider-error';
import { parseGoogleDuration, mapGoogleError } from './google-error';
import { createPartialArgsAccumulator, parseGoogleJsonPath } from './google-partial-args';
import { mapGoogleFinishReason } from './map-google-finish-reason';
import { mapGoogleResponse } from './map-google-response';
import { mapGoogleUsage } from './map-google-usage';

const respond = (json: unknown) => mapGoogleResponse(json, { provider: 'google', warnings: [] });

describe('mapGoogleFinishReason', () => {
  it.each([
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool_calls'],
    ['MAX_TOKENS', false, 'length'],
    ['MAX_TOKENS', true, 'length'],
    ['SAFETY', false, 'content_filter'],
    ['RECITATION', false, 'content_filter'],
    ['BLOCKLIST', false, 'content_filter'],
    ['PROHIBITED_CONTENT', false, 'content_filter'],
    ['SPII', false, 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', false, 'error'],
    ['OTHER', false, 'error'],
    ['SOMETHING_NEW', false, 'error'],
  ] as const)('maps %s (tool calls: %s) to %s', (reason, hasToolCalls, expected) => {
    expect(mapGoogleFinishReason(reason, hasToolCalls)).toBe(expected);
  });
});

describe('mapGoogleUsage', () => {
  it('takes cached tokens out of the input and keeps thoughts apart from the output', () => {
    expect(
      mapGoogleUsage({ promptTokenCount: 1200, cachedContentTokenCount: 1000, candidatesTokenCount: 50, thoughtsTokenCount: 300, totalTokenCount: 1550 }),
    ).toEqual({ inputTokens: 200, outputTokens: 50, reasoningTokens: 300, cacheReadTokens: 1000, cacheWriteTokens: 0, source: 'reported' });
  });

  it('bills built-in tool prompts as input', () => {
    expect(mapGoogleUsage({ promptTokenCount: 10, toolUsePromptTokenCount: 5, candidatesTokenCount: 2 })).toMatchObject({ inputTokens: 15, outputTokens: 2 });
  });
});

describe('mapGoogleResponse', () => {
  it('separates thought parts as reasoning and keeps function call ids Gemini sent', () => {
    const result = respond({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'Let me think.', thought: true },
              { text: 'Calling ' },
              { text: 'both.' },
              { functionCall: { id: 'fc-1', name: 'a', args: { x: 1 } } },
              { functionCall: { name: 'b' } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    });
    expect(result).toMatchObject({
      text: 'Calling both.',
      reasoning: 'Let me think.',
      toolCalls: [
        { id: 'fc-1', name: 'a', arguments: '{"x":1}' },
        { id: 'call_1', name: 'b', arguments: '{}' },
      ],
      finishReason: 'tool_calls',
      usage: undefined,
    });
  });

  it('reports a blocked prompt as content_filter with no text', () => {
    expect(respond({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4 } })).toMatchObject({
      text: null,
      finishReason: 'content_filter',
      usage: { inputTokens: 4, outputTokens: 0 },
    });
    expect(respond({ candidates: [{ finishReason: 'SAFETY' }] })).toMatchObject({ text: null, finishReason: 'content_filter' });
  });

  it('refuses a malformed body or one without a finish reason with a 502 that is not retried', () => {
    for (const body of [{ candidates: [{ content: { parts: [{ text: 5 }] } }] }, { candidates: [] }, 'text']) {
      let caught: unknown;
      try {
        respond(body);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ProviderError);
      expect(caught).toMatchObject({ statusCode: 502, isRetryable: false });
    }
  });
});

describe('mapGoogleError', () => {
  it('reads protobuf durations', () => {
    expect(parseGoogleDuration('34.4s')).toBe(34_400);
    expect(parseGoogleDuration('2s')).toBe(2000);
    expect(parseGoogleDuration('soon')).toBeUndefined();
  });

  it('keeps a non-JSON body as the message', () => {
    expect(mapGoogleError({ provider: 'google', statusCode: 502, bodyText: '' })).toMatchObject({ message: 'google returned 502: HTTP 502', isRetryable: true });
  });
});

describe('streamed function call arguments', () => {
  it('parses JSON paths', () => {
    expect(parseGoogleJsonPath('$.location')).toEqual(['location']);
    expect(parseGoogleJsonPath('$.stops[1].city')).toEqual(['stops', 1, 'city']);
    expect(parseGoogleJsonPath('$["odd key"].x')).toEqual(['odd key', 'x']);
    expect(parseGoogleJsonPath('$')).toBeUndefined();
    expect(parseGoogleJsonPath('location')).toBeUndefined();
  });

  it('continues strings marked willContinue and builds nested values', () => {
    const accumulator = createPartialArgsAccumulator();
    expect(
      accumulator.apply([
        { jsonPath: '$.city', stringValue: 'San ', willContinue: true },
        { jsonPath: '$.city', stringValue: 'Fran' , willContinue: true },
        { jsonPath: '$.city', stringValue: 'cisco' },
        { jsonPath: '$.stops[0].days', numberValue: 2 },
        { jsonPath: '$.stops[0].open', boolValue: false },
        { jsonPath: '$.note', nullValue: null },
        { jsonPath: '$.city2', stringValue: 'a' },
        { jsonPath: '$.city2', stringValue: 'b' },
      ]),
    ).toBeUndefined();
    expect(accumulator.args()).toEqual({ city: 'San Francisco', stops: [{ days: 2, open: false }], note: null, city2: 'b' });
    expect(accumulator.apply([{ jsonPath: "$['x']", stringValue: 'y' }])).toBe("$['x']");
  });
});
