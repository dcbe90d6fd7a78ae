import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { CallOptions, ChatModel, GenerateResult, StreamPart } from '../chat-model';
import { postJsonOk, readJsonBody, toProviderError, type UpstreamResponse } from '../http/upstream-http';
import { readSseEvents } from '../http/sse-events';
import { ProviderError } from '../provider-error';
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
    let started = false;
    try {
      for await (const event of readSseEvents(response.body)) {
        if (event.data === '[DONE]') break;
        const parts = mapper.map(event.data);
        if (!started) {
          // Start only on the first upstream event: until then a failure is thrown, so the gateway can still retry,
          // fall back or answer with an HTTP status.
          const failure = parts.find((part) => part.type === 'error');
          if (failure?.type === 'error') throw failure.error;
          started = true;
          yield { type: 'stream-start', warnings };
        }
        for (const part of parts) {
          yield part;
          if (part.type === 'error') return;
        }
      }
      if (!started) throw new ProviderError({ provider: this.provider, message: `${this.provider} stream ended before any event`, statusCode: 502 });
      yield mapper.finish();
    } catch (error) {
      const mapped = toProviderError(this.provider, error);
      if (!(mapped instanceof ProviderError) || !started) throw mapped; // aborted by the caller, or nothing sent yet
      yield { type: 'error', error: mapped, usage: mapper.usageSoFar() };
    } finally {
      response.body.destroy();
    }
  }

  private mapRequest(request: ChatCompletionRequest, options: CallOptions, stream: boolean) {
    return mapOpenAiCompatibleRequest(request, {
      upstreamModelId: this.upstreamModelId,
      stream,
      quirks: this.settings.quirks,
      provider: this.provider,
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
      mapError: mapOpenAiCompatibleError,
    });
  }
}
