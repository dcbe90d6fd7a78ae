import type { Usage } from '@tollgate/schemas';
import { z } from 'zod';
import type { FinishReason, StreamPart } from '../../../chat-model';
import type { SseStreamMapper } from '../../../http/map-sse-stream';
import { ProviderError } from '../../../provider-error';
import { acmeStopReasonSchema, acmeUsageSchema, mapAcmeStopReason, mapAcmeUsage } from './map-acme-response';

const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('delta'), text: z.string() }),
  z.object({ type: z.literal('end'), stop_reason: acmeStopReasonSchema, usage: acmeUsageSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);

/** Acme's stream events (`delta`, then one `end` with usage) as contract parts; the shared driver does the rest. */
export function createAcmeStreamMapper(provider: string): SseStreamMapper {
  let usage: Usage | undefined;
  let finishReason: FinishReason | undefined;
  const failure = (message: string): StreamPart => ({ type: 'error', error: new ProviderError({ provider, message, statusCode: 502, reachedModel: true }), usage });

  function map(data: string): StreamPart[] {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return [failure(`${provider} sent a stream event that is not JSON`)];
    }
    const parsed = eventSchema.safeParse(json);
    if (!parsed.success) return [failure(`${provider} sent a stream event tollgate could not read`)];
    const event = parsed.data;
    if (event.type === 'delta') return event.text ? [{ type: 'text-delta', text: event.text }] : [];
    if (event.type === 'error') return [failure(`${provider}: ${event.message}`)];
    usage = mapAcmeUsage(event.usage);
    finishReason = mapAcmeStopReason(event.stop_reason);
    return [];
  }

  return {
    map,
    finish: () => (finishReason ? [{ type: 'finish', finishReason, usage }] : [failure(`${provider} stream ended before its end event`)]),
    usageSoFar: () => usage,
    hasStopped: () => finishReason !== undefined,
  };
}
