import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { CallOptions, ChatModel, GenerateResult, StreamPart } from '../chat-model';
import { postJsonOk, readJsonBody, type UpstreamResponse } from '../http/upstream-http';
import { mapSseStream } from '../http/map-sse-stream';
import { chatCompletionsUrl, openAiCompatibleHeaders, type OpenAiCompatibleSettings } from './openai-compatible-api';
import { mapOpenAiCompatibleError } from './openai-compatible-error';
import { mapOpenAiCompatibleRequest } from './map-openai-compatible-request';
import { mapOpenAiCompatibleResponse } from './map-openai-compatible-response';
import { createOpenAiCompatibleStreamMapper } from './map-openai-compatible-stream';

/** A model served by OpenAI or any provider speaking its Chat Completions API (Together, Mistral, DeepSeek, ...). */
export class OpenAiCompatibleModel implements ChatModel {
  readonly specificationVersion = 'v1';
  readonly provider: string;

  constructor(
    readonly upstreamModelId: string,
    private readonly settings: OpenAiCompatibleSettings,
  ) {
    this.provider = settings.provider;
  }

  async generate(request: ChatCompletionRequest, options: CallOptions): Promise<GenerateResult> {
    const { body, warnings } = this.mapRequest(request, options, false);
    const response = await this.send(body, options);
    const json = await readJsonBody(this.provider, response.body);
    return mapOpenAiCompatibleResponse(json, { provider: this.provider, warnings });
  }

  async *stream(request: ChatCompletionRequest, options: CallOptions): AsyncGenerator<StreamPart> {
    const { body, warnings } = this.mapRequest(request, options, true);
    const response = await this.send(body, options);
    const mapper = createOpenAiCompatibleStreamMapper(this.provider);
    yield* mapSseStream({ provider: this.provider, response, warnings, mapper, endMarker: '[DONE]' });
  }

  private mapRequest(request: ChatCompletionRequest, options: CallOptions, stream: boolean) {
    return mapOpenAiCompatibleRequest(request, {
      upstreamModelId: this.upstreamModelId,
      stream,
      quirks: this.settings.quirks,
      provider: this.provider,
      maxOutputTokens: options.maxOutputTokens,
      strict: options.strict,
    });
  }

  /** Sends the request; an HTTP error status becomes a ProviderError carrying the upstream message. */
  private send(body: Record<string, unknown>, options: CallOptions): Promise<UpstreamResponse> {
    return postJsonOk({
      provider: this.provider,
      url: chatCompletionsUrl(this.settings),
      headers: openAiCompatibleHeaders(this.settings, options.requestId),
      body,
      signal: options.signal,
      agent: this.settings.agent,
      headersTimeoutMs: options.firstByteTimeoutMs,
      mapError: mapOpenAiCompatibleError,
    });
  }
}
