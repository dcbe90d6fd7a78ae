import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { CallOptions, ChatModel, GenerateResult, StreamPart } from '../chat-model';
import { postJsonOk, readJsonBody, toProviderError, type UpstreamResponse } from '../http/upstream-http';
import { readSseEvents } from '../http/sse-events';
import { ProviderError } from '../provider-error';
import { generateContentUrl, googleHeaders, streamGenerateContentUrl, type GoogleSettings } from './google-api';
import { mapGoogleError } from './google-error';
import { mapGoogleRequest, type GoogleRequestBody } from './map-google-request';
import { mapGoogleResponse } from './map-google-response';
import { createGoogleStreamMapper } from './map-google-stream';

/** A Gemini model served by Google's Generative Language API (`generateContent` / `streamGenerateContent`). */
export class GoogleModel implements ChatModel {
  readonly specificationVersion = 'v1';
  readonly provider: string;

  constructor(
    readonly upstreamModelId: string,
    private readonly settings: GoogleSettings,
  ) {
    this.provider = settings.provider;
  }

  async generate(request: ChatCompletionRequest, options: CallOptions): Promise<GenerateResult> {
    const { body, warnings } = this.mapRequest(request, options);
    const response = await this.send(generateContentUrl(this.settings, this.upstreamModelId), body, options);
    const json = await readJsonBody(this.provider, response.body);
    return mapGoogleResponse(json, { provider: this.provider, warnings });
  }

  async *stream(request: ChatCompletionRequest, options: CallOptions): AsyncGenerator<StreamPart> {
    const { body, warnings } = this.mapRequest(request, options);
    const response = await this.send(streamGenerateContentUrl(this.settings, this.upstreamModelId), body, options);
    const mapper = createGoogleStreamMapper(this.provider);
    let started = false;
    try {
      for await (const event of readSseEvents(response.body)) {
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
      yield* mapper.finish();
    } catch (error) {
      const mapped = toProviderError(this.provider, error);
      if (!(mapped instanceof ProviderError) || !started) throw mapped; // aborted by the caller, or nothing sent yet
      yield { type: 'error', error: mapped, usage: mapper.usageSoFar() };
    } finally {
      response.body.destroy();
    }
  }

  private mapRequest(request: ChatCompletionRequest, options: CallOptions) {
    return mapGoogleRequest(request, { provider: this.provider, upstreamModelId: this.upstreamModelId, strict: options.strict });
  }

  /** Sends the request; an HTTP error status becomes a ProviderError carrying the upstream message. */
  private send(url: string, body: GoogleRequestBody, options: CallOptions): Promise<UpstreamResponse> {
    return postJsonOk({
      provider: this.provider,
      url,
      headers: googleHeaders(this.settings),
      body,
      signal: options.signal,
      agent: this.settings.agent,
      mapError: mapGoogleError,
    });
  }
}
