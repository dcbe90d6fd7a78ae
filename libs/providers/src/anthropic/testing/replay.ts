import { fixtureChunks, fixtureJson } from '@tollgate/testing';
import { bodyModel, replaySettings, type ProviderReplay } from '../../testing/provider-replay';
import { anthropicProvider } from '../anthropic-provider';

/** Anthropic's Messages API, replayed from its recordings (named SSE events). */
export const replay: ProviderReplay = {
  provider: anthropicProvider.name,
  model: 'anthropic/claude-sonnet-4.5',
  fallbackModel: 'anthropic/claude-haiku-4.5',
  settings: replaySettings(anthropicProvider, '', 'sk-ant-test'),
  textJson: { json: fixtureJson('anthropic', 'anthropic-text') },
  textJsonStart: "Hello! I'm doing well",
  textJsonTokens: { prompt: 12, completion: 29 },
  textStream: { sse: fixtureChunks('anthropic', 'anthropic-text'), eventNames: true },
  textStreamStart: "Hello! I'm doing well",
  textStreamTokens: { prompt: 12, completion: 30 },
  dropAfter: 5,
  toolCallJson: { json: fixtureJson('anthropic', 'anthropic-json-tool.1') },
  toolCallStream: { sse: fixtureChunks('anthropic', 'anthropic-json-tool.1'), eventNames: true },
  toolName: 'json',
  rateLimited: {
    status: 429,
    json: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } },
    headers: { 'retry-after': '0' },
  },
  serverError: { status: 500, json: { type: 'error', error: { type: 'api_error', message: 'Internal server error' } } },
  upstreamModel: bodyModel,
  toolRoundTripBody: (question, call, result) => ({
    messages: [
      { role: 'user', content: question },
      { role: 'assistant', content: [{ type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.arguments) as object }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: result }] },
    ],
  }),
  imageBody: (text, dataUrl, httpsUrl) => ({
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text },
          { type: 'image', source: { type: 'base64', media_type: dataUrl.mediaType, data: dataUrl.data } },
          { type: 'image', source: { type: 'url', url: httpsUrl } },
        ],
      },
    ],
  }),
};
