import { fixtureChunks, fixtureJson, startReplayServer, type RecordedRequest, type ReplayResponse, type ReplayServer } from '@tollgate/testing';

/** A recorded stream, replayed in its provider's SSE framing. */
export type ReplayStream = Extract<ReplayResponse, { sse: string[] }>;

/** A tool call as the caller sees it (OpenAI shape, flattened). */
export interface CallerToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Token counts a recorded answer reports, in OpenAI's sense (prompt = every input class, completion = output + reasoning). */
export interface ReportedTokens {
  prompt: number;
  completion: number;
}

/**
 * One provider as the gateway-level tests script it: its settings, recorded answers in its own wire format
 * (libs/testing/fixtures/providers), its own error bodies, and where its requests carry what the tests check.
 */
export interface ProviderReplay {
  provider: 'openai' | 'anthropic' | 'google' | 'mistral' | 'together';
  /** The model the tests call, and another of the same provider to fall back to (served by the same replay server). */
  model: string;
  fallbackModel: string;
  /** The gateway settings that point this provider at a replay server. */
  settings(replayUrl: string): Record<string, string>;
  textJson: ReplayResponse;
  /** How the recorded JSON answer starts, and the tokens it reports. */
  textJsonStart: string;
  textJsonTokens: ReportedTokens;
  textStream: ReplayStream;
  textStreamStart: string;
  textStreamTokens: ReportedTokens;
  /** A payload index of `textStream` before which some text has already been sent (to cut the stream there). */
  dropAfter: number;
  /** A recorded answer that calls a tool, and the tool it calls. */
  toolCallJson: ReplayResponse;
  toolCallStream: ReplayStream;
  toolName: string;
  /** The provider's own 429 (asking for no wait) and 500 bodies. */
  rateLimited: ReplayResponse;
  serverError: ReplayResponse;
  /** The upstream model id a request asked for (in the body, or in Gemini's URL). */
  upstreamModel(request: RecordedRequest): string;
  /** What an upstream body holds after `[user question, assistant tool call, tool result]`, in the provider's format. */
  toolRoundTripBody(question: string, call: CallerToolCall, result: string): object;
  /** What an upstream body holds for a user message of a text and two images (a base64 data URL, then an https URL). */
  imageBody(text: string, dataUrl: { mediaType: string; data: string }, httpsUrl: string): object;
}

const openAiToolRoundTrip = (question: string, call: CallerToolCall, result: string) => ({
  messages: [
    { role: 'user', content: question },
    { role: 'assistant', tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }] },
    { role: 'tool', tool_call_id: call.id, content: result },
  ],
});

const openAiImage = (text: string, dataUrl: { mediaType: string; data: string }, httpsUrl: string) => ({
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text },
        { type: 'image_url', image_url: { url: `data:${dataUrl.mediaType};base64,${dataUrl.data}` } },
        { type: 'image_url', image_url: { url: httpsUrl } },
      ],
    },
  ],
});

const bodyModel = (request: RecordedRequest) => (request.body as { model: string }).model;

/** Gemini has no `retry-after` header; its 429 says how long to wait in a RetryInfo detail. Here: no wait. */
function geminiRateLimited(): ReplayResponse {
  const recorded = JSON.stringify(fixtureJson('google', 'google-429-retry-info')).replace('"34.4s"', '"0s"');
  return { status: 429, json: JSON.parse(recorded) };
}

/** The five providers of the seed, each with one recorded answer of its own (Together: the OpenAI-compatible Groq recording of Llama 3.3 70B). */
export const PROVIDER_REPLAYS: readonly ProviderReplay[] = [
  {
    provider: 'openai',
    model: 'openai/gpt-4o-mini',
    fallbackModel: 'openai/gpt-4o',
    settings: (url) => ({ OPENAI_BASE_URL: `${url}/v1`, OPENAI_API_KEY: 'sk-test-openai' }),
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
  },
  {
    provider: 'anthropic',
    model: 'anthropic/claude-sonnet-4.5',
    fallbackModel: 'anthropic/claude-haiku-4.5',
    settings: (url) => ({ ANTHROPIC_BASE_URL: url, ANTHROPIC_API_KEY: 'sk-ant-test' }),
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
  },
  {
    provider: 'google',
    model: 'google/gemini-2.5-pro',
    fallbackModel: 'google/gemini-2.5-flash',
    settings: (url) => ({ GEMINI_BASE_URL: url, GEMINI_API_KEY: 'gemini-test-key' }),
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
  },
  {
    provider: 'mistral',
    model: 'mistral/mistral-small',
    fallbackModel: 'mistral/mistral-large',
    settings: (url) => ({ MISTRAL_BASE_URL: `${url}/v1`, MISTRAL_API_KEY: 'mistral-test-key' }),
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
  },
  {
    provider: 'together',
    model: 'together/llama-3.3-70b',
    fallbackModel: 'together/deepseek-v3',
    settings: (url) => ({ TOGETHER_BASE_URL: `${url}/v1`, TOGETHER_API_KEY: 'together-test-key' }),
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
  },
];

/** One replay server per provider, and the gateway settings that point every provider at its server. */
export async function startProviderReplays(): Promise<{
  servers: Record<ProviderReplay['provider'], ReplayServer>;
  settings: Record<string, string>;
  close(): Promise<void>;
}> {
  const entries = await Promise.all(PROVIDER_REPLAYS.map(async (replay) => [replay, await startReplayServer()] as const));
  const servers = Object.fromEntries(entries.map(([replay, server]) => [replay.provider, server])) as Record<ProviderReplay['provider'], ReplayServer>;
  const settings = Object.assign({}, ...entries.map(([replay, server]) => replay.settings(server.url))) as Record<string, string>;
  return {
    servers,
    settings,
    close: async () => {
      await Promise.all(entries.map(([, server]) => server.close()));
    },
  };
}

/** The `data:` payloads of an SSE response body, in order. */
export function ssePayloads(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event.trim().length > 0)
    .map((event) => event.split('\n').find((line) => line.startsWith('data: '))?.slice('data: '.length) ?? '');
}
