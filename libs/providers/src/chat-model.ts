import type { ChatCompletionRequest, Usage } from '@tollgate/schemas';
import type { ProviderError } from './provider-error';

/** Why generation stopped, in OpenAI's vocabulary (every provider's reason is mapped to one of these). */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

/** A complete tool call produced by the model. `arguments` is the JSON text the model wrote. */
export interface GeneratedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Per-call options: cancellation, strictness about unsupported settings, the request id for upstream logs, and the
 * output budget.
 */
export interface CallOptions {
  signal: AbortSignal;
  requestId: string;
  /**
   * The output budget the gateway computed and reserved for this request (see `outputBudget`): adapters send
   * exactly this upstream, under the provider's name for the output limit, and ignore the request's `max_tokens` /
   * `max_completion_tokens`. What the provider may generate is then what was paid for.
   */
  maxOutputTokens: number;
  /** When true a setting the provider cannot honour is refused (UnsupportedSettingError) instead of dropped. */
  strict?: boolean;
  /**
   * How long to wait for the response headers, when it differs from the provider connection's first-byte timeout:
   * a non-streaming answer's headers come only once the whole generation is done, so it is given longer.
   */
  firstByteTimeoutMs?: number;
}

/** Settings the adapter dropped because the provider cannot honour them, e.g. `top_k`. */
export interface SettingWarning {
  setting: string;
  message: string;
}

/** The result of a non-streaming call. */
export interface GenerateResult {
  /** The provider's id for the response, when it gave one. */
  providerResponseId?: string;
  text: string | null;
  reasoning?: string;
  toolCalls: GeneratedToolCall[];
  finishReason: FinishReason;
  /** Absent when the provider reported none: the gateway then estimates it. */
  usage?: Usage;
  warnings: SettingWarning[];
}

/**
 * What a stream yields, in order: one `stream-start` (before any content, so the gateway can still set headers),
 * then deltas, then exactly one `finish` or `error` (an `error` after content means the usage in it is partial).
 */
export type StreamPart =
  | { type: 'stream-start'; warnings: SettingWarning[]; providerResponseId?: string }
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-delta'; text: string }
  | {
      type: 'tool-call-delta';
      /** Position of the tool call in the response; the first delta of a call carries `id` and `name`. */
      index: number;
      id?: string;
      name?: string;
      argumentsDelta: string;
    }
  /** `usage` is absent when the provider reported none: the gateway then estimates it. */
  | { type: 'finish'; finishReason: FinishReason; usage?: Usage }
  | { type: 'error'; error: ProviderError; usage?: Usage };

/**
 * The provider contract, version 1. Adapters take a validated OpenAI-shaped request (with `model` already resolved
 * to the upstream id) and return typed objects, never wire strings. Errors before any output are thrown as
 * ProviderError; once a stream has yielded `stream-start`, failures arrive as an `error` part.
 */
export interface ChatModel {
  readonly specificationVersion: 'v1';
  /** Provider name as in the catalog, e.g. `openai`. */
  readonly provider: string;
  /** The model's id at the provider, e.g. `gpt-4o-mini`. */
  readonly upstreamModelId: string;
  generate(request: ChatCompletionRequest, options: CallOptions): Promise<GenerateResult>;
  stream(request: ChatCompletionRequest, options: CallOptions): AsyncIterable<StreamPart>;
}
