import { fixtureChunks, fixtureJson } from '@tollgate/testing';
import { openAiImage, openAiToolRoundTrip } from '../../openai-compatible/testing/openai-format-bodies';
import { bodyModel, replaySettings, type ProviderReplay } from '../../testing/provider-replay';
import { togetherProvider } from '../together-provider';

/** Together.ai, replayed from OpenAI-compatible recordings: Groq's of Llama 3.3 70B (text), DeepSeek's (tool call). */
export const replay: ProviderReplay = {
  provider: togetherProvider.name,
  model: 'together/llama-3.3-70b',
  fallbackModel: 'together/deepseek-v3',
  settings: replaySettings(togetherProvider, '/v1', 'together-test-key'),
  textJson: { json: fixtureJson('groq', 'groq-text') },
  textJsonStart: 'I\'d like to introduce "Luminaria"',
  textJsonTokens: { prompt: 45, completion: 607 },
  textStream: { sse: fixtureChunks('groq', 'groq-text'), done: true },
  textStreamStart: 'Introducing "Luminaria"',
  textStreamTokens: { prompt: 45, completion: 662 },
  dropAfter: 20,
  toolCallJson: { json: fixtureJson('deepseek', 'deepseek-tool-call') },
  toolCallStream: { sse: fixtureChunks('deepseek', 'deepseek-tool-call'), done: true },
  toolName: 'weather',
  rateLimited: { status: 429, json: { error: { message: 'You have exceeded the rate limit for this model', type: 'rate_limit', code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '0' } },
  serverError: { status: 500, json: { error: { message: 'Internal server error', type: 'server_error', code: null } } },
  upstreamModel: bodyModel,
  toolRoundTripBody: openAiToolRoundTrip,
  imageBody: openAiImage,
};
