import type { RecordedRequest, ReplayResponse } from '@tollgate/testing';
import type { ProviderDefinition } from '../provider-definition';

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
 * (libs/testing/fixtures/providers), its own error bodies, and where its requests carry what the tests check. Each
 * provider folder has one, in `<folder>/testing/replay.ts` (exported as `replay`); the contract tests run every
 * registered provider's (see `providerReplaysFor`).
 */
export interface ProviderReplay {
  /** The provider's name, as in the registry and the catalog. */
  provider: string;
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

/**
 * The gateway settings that point `definition` at a replay server: its base URL setting (the server's URL, then
 * `basePath`, e.g. `/v1`) and its key setting, by the names its folder declares.
 */
export function replaySettings(definition: ProviderDefinition, basePath: string, apiKey: string): (replayUrl: string) => Record<string, string> {
  const names = definition.settings;
  if (!names) throw new Error(`provider ${definition.name} has no settings: nothing to point at a replay server`);
  return (replayUrl) => ({ [names.baseUrl]: `${replayUrl}${basePath}`, [names.apiKey]: apiKey });
}

/** The upstream model id of a request that names it in its body's `model` (every provider but Gemini). */
export const bodyModel = (request: RecordedRequest): string => (request.body as { model: string }).model;
