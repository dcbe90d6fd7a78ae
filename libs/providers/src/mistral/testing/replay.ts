import { fixtureChunks, fixtureJson } from '@tollgate/testing';
import { openAiImage, openAiToolRoundTrip } from '../../openai-compatible/testing/openai-format-bodies';
import { bodyModel, replaySettings, type ProviderReplay } from '../../testing/provider-replay';
import { mistralProvider } from '../mistral-provider';

/** Mistral, replayed from its recordings. */
export const replay: ProviderReplay = {
  provider: mistralProvider.name,
  model: 'mistral/mistral-small',
  fallbackModel: 'mistral/mistral-large',
  settings: replaySettings(mistralProvider, '/v1', 'mistral-test-key'),
  textJson: { json: fixtureJson('mistral', 'mistral-text') },
  textJsonStart: '**Holiday Name: "World Kindness Day of Sharing"**',
  textJsonTokens: { prompt: 13, completion: 434 },
  textStream: { sse: fixtureChunks('mistral', 'mistral-text'), done: true },
  textStreamStart: 'Hello, world! This is a test response.',
  textStreamTokens: { prompt: 13, completion: 8 },
  dropAfter: 4,
  toolCallJson: { json: fixtureJson('mistral', 'mistral-tool-call') },
  toolCallStream: { sse: fixtureChunks('mistral', 'mistral-tool-call'), done: true },
  toolName: 'weather',
  rateLimited: { status: 429, json: { object: 'error', message: 'Requests rate limit exceeded', type: 'rate_limited', param: null, code: '1300' } },
  serverError: { status: 500, json: { object: 'error', message: 'Internal server error', type: 'internal_server_error', param: null, code: '3000' } },
  upstreamModel: bodyModel,
  toolRoundTripBody: openAiToolRoundTrip,
  imageBody: openAiImage,
};
