import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { CallOptions, ChatModel, GenerateResult, StreamPart } from '../chat-model';
import { postJsonOk, readJsonBody, type UpstreamResponse } from '../http/upstream-http';
import { mapSseStream } from '../http/map-sse-stream';
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
    yield* mapSseStream({ provider: this.provider, response, warnings, mapper });
  }

  private mapRequest(request: ChatCompletionRequest, options: CallOptions) {
    return mapGoogleRequest(request, {
      provider: this.provider,
      upstreamModelId: this.upstreamModelId,
      maxOutputTokens: options.maxOutputTokens,
      strict: options.strict,
    });
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
      headersTimeoutMs: options.firstByteTimeoutMs,
      mapError: mapGoogleError,
    });
  }
}
