import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { CallOptions, ChatModel, GenerateResult, StreamPart } from '../../../chat-model';
import { mapSseStream } from '../../../http/map-sse-stream';
import { postJsonOk, readJsonBody, type UpstreamResponse } from '../../../http/upstream-http';
import { acmeCompleteUrl, acmeHeaders, type AcmeSettings } from './acme-api';
import { mapAcmeError } from './acme-error';
import { mapAcmeRequest, type AcmeRequestBody } from './map-acme-request';
import { mapAcmeResponse } from './map-acme-response';
import { createAcmeStreamMapper } from './map-acme-stream';

/** A model served by Acme's (made-up) completion API. */
export class AcmeModel implements ChatModel {
  readonly specificationVersion = 'v1';
  readonly provider: string;

  constructor(
    readonly upstreamModelId: string,
    private readonly settings: AcmeSettings,
  ) {
    this.provider = settings.provider;
  }

  async generate(request: ChatCompletionRequest, options: CallOptions): Promise<GenerateResult> {
    const { body, warnings } = this.mapRequest(request, options, false);
    const response = await this.send(body, options);
    return mapAcmeResponse(await readJsonBody(this.provider, response.body), { provider: this.provider, warnings });
  }

  async *stream(request: ChatCompletionRequest, options: CallOptions): AsyncGenerator<StreamPart> {
    const { body, warnings } = this.mapRequest(request, options, true);
    const response = await this.send(body, options);
    yield* mapSseStream({ provider: this.provider, response, warnings, mapper: createAcmeStreamMapper(this.provider) });
  }

  private mapRequest(request: ChatCompletionRequest, options: CallOptions, stream: boolean) {
    return mapAcmeRequest(request, { provider: this.provider, upstreamModelId: this.upstreamModelId, maxOutputTokens: options.maxOutputTokens, stream, strict: options.strict });
  }

  private send(body: AcmeRequestBody, options: CallOptions): Promise<UpstreamResponse> {
    return postJsonOk({
      provider: this.provider,
      url: acmeCompleteUrl(this.settings),
      headers: acmeHeaders(this.settings, options.requestId),
      body,
      signal: options.signal,
      agent: this.settings.agent,
      headersTimeoutMs: options.firstByteTimeoutMs,
      mapError: mapAcmeError,
    });
  }
}
