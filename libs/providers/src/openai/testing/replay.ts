import { fixtureChunks, fixtureJson } from '@tollgate/testing';
import { openAiImage, openAiToolRoundTrip } from '../../openai-compatible/testing/openai-format-bodies';
import { bodyModel, replaySettings, type ProviderReplay } from '../../testing/provider-replay';
import { openAiProvider } from '../openai-provider';

/** OpenAI, replayed from its recordings (the tool call: the OpenAI-compatible Groq recording). */
export const replay: ProviderReplay = {
  provider: openAiProvider.name,
  model: 'openai/gpt-4o-mini',
  fallbackModel: 'openai/gpt-4o',
  settings: replaySettings(openAiProvider, '/v1', 'sk-test-openai'),
  textJson: { json: fixtureJson('openai', 'openai-text') },
  textJsonStart: '**Holiday Name:** Galaxy Day',
  textJsonTokens: { prompt: 16, completion: 363 },
  textStream: { sse: fixtureChunks('openai', 'openai-text'), done: true },
  textStreamStart: '**Holiday Name:**',
  textStreamTokens: { prompt: 16, completion: 300 },
  dropAfter: 20,
  toolCallJson: { json: fixtureJson('groq', 'groq-tool-call') },
  toolCallStream: { sse: fixtureChunks('groq', 'groq-tool-call'), done: true },
  toolName: 'weather',
  rateLimited: { status: 429, json: { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '0' } },
  serverError: { status: 500, json: { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } } },
  upstreamModel: bodyModel,
  toolRoundTripBody: openAiToolRoundTrip,
  imageBody: openAiImage,
};
