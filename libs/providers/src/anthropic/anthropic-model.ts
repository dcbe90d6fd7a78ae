import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { CallOptions, ChatModel, GenerateResult, StreamPart } from '../chat-model';
import { mapSseStream } from '../http/map-sse-stream';
import { postJsonOk, readJsonBody, type UpstreamResponse } from '../http/upstream-http';
import { anthropicHeaders, anthropicMessagesUrl, type AnthropicSettings } from './anthropic-api';
import { mapAnthropicError } from './anthropic-error';
import { mapAnthropicRequest, type AnthropicRequestBody } from './map-anthropic-request';
import { mapAnthropicResponse } from './map-anthropic-response';
import { createAnthropicStreamMapper } from './map-anthropic-stream';

/** A Claude model, served by Anthropic's native Messages API. */
export class AnthropicModel implements ChatModel {
  readonly specificationVersion = 'v1';
  readonly provider: string;

  constructor(
    readonly upstreamModelId: string,
    private readonly settings: AnthropicSettings,
  ) {
    this.provider = settings.provider;
  }

  async generate(request: ChatCompletionRequest, options: CallOptions): Promise<GenerateResult> {
    const { body, warnings } = this.mapRequest(request, options, false);
    const response = await this.send(body, options);
    const json = await readJsonBody(this.provider, response.body);
    return mapAnthropicResponse(json, { provider: this.provider, warnings });
  }

  /**
   * Streams the response. A failure before `stream-start` (an `error` event first, the connection dropping before
   * `message_start`) is thrown, so the gateway can still answer with an error status or try another model.
   */
  async *stream(request: ChatCompletionRequest, options: CallOptions): AsyncGenerator<StreamPart> {
    const { body, warnings } = this.mapRequest(request, options, true);
    const response = await this.send(body, options);
    const mapper = createAnthropicStreamMapper(this.provider, warnings);
    yield* mapSseStream({ provider: this.provider, response, warnings, mapper });
  }

  private mapRequest(request: ChatCompletionRequest, options: CallOptions, stream: boolean) {
    return mapAnthropicRequest(request, {
      upstreamModelId: this.upstreamModelId,
      stream,
      provider: this.provider,
      maxOutputTokens: options.maxOutputTokens,
      strict: options.strict,
    });
  }

  /** Sends the request; an HTTP error status becomes a ProviderError carrying Anthropic's message. */
  private send(body: AnthropicRequestBody, options: CallOptions): Promise<UpstreamResponse> {
    return postJsonOk({
      provider: this.provider,
      url: anthropicMessagesUrl(this.settings),
      headers: anthropicHeaders(this.settings, options.requestId),
      body,
      signal: options.signal,
      agent: this.settings.agent,
      headersTimeoutMs: options.firstByteTimeoutMs,
      mapError: mapAnthropicError,
    });
  }
}
