import { fixtureChunks, fixtureJson, type ReplayResponse } from '@tollgate/testing';
import { replaySettings, type ProviderReplay } from '../../testing/provider-replay';
import { googleProvider } from '../google-provider';

/** Gemini has no `retry-after` header; its 429 says how long to wait in a RetryInfo detail. Here: no wait. */
function geminiRateLimited(): ReplayResponse {
  const recorded = JSON.stringify(fixtureJson('google', 'google-429-retry-info')).replace('"34.4s"', '"0s"');
  return { status: 429, json: JSON.parse(recorded) };
}

/** Google Gemini's native API, replayed from its recordings (`data:`-only SSE). */
export const replay: ProviderReplay = {
  provider: googleProvider.name,
  model: 'google/gemini-2.5-pro',
  fallbackModel: 'google/gemini-2.5-flash',
  settings: replaySettings(googleProvider, '', 'gemini-test-key'),
  textJson: { json: fixtureJson('google', 'google-text') },
  textJsonStart: "There are **3** r's in strawberry.",
  textJsonTokens: { prompt: 9, completion: 28 + 244 },
  textStream: { sse: fixtureChunks('google', 'google-text') },
  textStreamStart: 'There are **3** "r"s',
  textStreamTokens: { prompt: 9, completion: 23 + 185 },
  dropAfter: 1,
  toolCallJson: { json: fixtureJson('google', 'google-tool-call') },
  toolCallStream: { sse: fixtureChunks('google', 'google-tool-call') },
  toolName: 'weather',
  rateLimited: geminiRateLimited(),
  serverError: { status: 500, json: { error: { code: 500, message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting', status: 'INTERNAL' } } },
  upstreamModel: (request) => /\/v1beta\/models\/([^:]+):/.exec(request.url)?.[1] ?? '',
  toolRoundTripBody: (question, call, result) => ({
    contents: [
      { role: 'user', parts: [{ text: question }] },
      { role: 'model', parts: [{ functionCall: { name: call.name, args: JSON.parse(call.arguments) as object } }] },
      { role: 'user', parts: [{ functionResponse: { name: call.name, response: { content: result } } }] },
    ],
  }),
  imageBody: (text, dataUrl, httpsUrl) => ({
    contents: [
      {
        role: 'user',
        parts: [{ text }, { inlineData: { mimeType: dataUrl.mediaType, data: dataUrl.data } }, { fileData: { mimeType: 'image/png', fileUri: httpsUrl } }],
      },
    ],
  }),
};
