import { mapOpenAiCompatibleUsage, openAiCompatibleUsageSchema } from './map-openai-compatible-usage';

const map = (usage: unknown) => mapOpenAiCompatibleUsage(openAiCompatibleUsageSchema.parse(usage));

describe('mapOpenAiCompatibleUsage', () => {
  it('takes cached prompt tokens out of the input class (OpenAI, Mistral: prompt_tokens_details.cached_tokens)', () => {
    expect(map({ prompt_tokens: 171, completion_tokens: 14, total_tokens: 185, prompt_tokens_details: { cached_tokens: 128 } })).toEqual({
      inputTokens: 43,
      outputTokens: 14,
      reasoningTokens: 0,
      cacheReadTokens: 128,
      cacheWriteTokens: 0,
      source: 'reported',
    });
  });

  it("reads DeepSeek's prompt_cache_hit_tokens, also when prompt_tokens_details says 0", () => {
    const usage = map({ prompt_tokens: 339, completion_tokens: 83, total_tokens: 422, prompt_tokens_details: { cached_tokens: 0 }, prompt_cache_hit_tokens: 320 });
    expect(usage).toMatchObject({ inputTokens: 19, cacheReadTokens: 320 });
  });

  it('reads cached tokens reported at the top level (some Together.ai models)', () => {
    expect(map({ prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, cached_tokens: 64 })).toMatchObject({ inputTokens: 36, cacheReadTokens: 64 });
  });

  it('splits reasoning out of completion_tokens when counted inside it (OpenAI, DeepSeek)', () => {
    expect(map({ prompt_tokens: 339, completion_tokens: 83, total_tokens: 422, completion_tokens_details: { reasoning_tokens: 39 } })).toMatchObject({
      outputTokens: 44,
      reasoningTokens: 39,
    });
  });

  it('keeps completion_tokens whole when reasoning is reported beside it (xAI: total = prompt + completion + reasoning)', () => {
    expect(map({ prompt_tokens: 12, completion_tokens: 2, total_tokens: 354, completion_tokens_details: { reasoning_tokens: 340 } })).toMatchObject({
      outputTokens: 2,
      reasoningTokens: 340,
    });
  });

  it('treats reasoning larger than completion_tokens as reported beside it, even without total_tokens', () => {
    expect(map({ prompt_tokens: 12, completion_tokens: 2, completion_tokens_details: { reasoning_tokens: 340 } })).toMatchObject({
      outputTokens: 2,
      reasoningTokens: 340,
    });
  });

  it('never lets the cache exceed the prompt', () => {
    expect(map({ prompt_tokens: 10, completion_tokens: 1, prompt_cache_hit_tokens: 50 })).toMatchObject({ inputTokens: 0, cacheReadTokens: 10 });
  });
});
