import type { Usage } from '@tollgate/schemas';
import { z } from 'zod';
import type { FinishReason, GenerateResult, SettingWarning } from '../../../chat-model';
import { ProviderError } from '../../../provider-error';

/** Acme's token counts: it bills two classes. */
export const acmeUsageSchema = z.object({ tokens_in: z.number().int().nonnegative(), tokens_out: z.number().int().nonnegative() });

/** Why Acme stopped: `end` (the model was done) or `max_tokens` (the budget ran out). */
export const acmeStopReasonSchema = z.enum(['end', 'max_tokens']);

const responseSchema = z.object({ id: z.string(), output: z.string(), stop_reason: acmeStopReasonSchema, usage: acmeUsageSchema });

export function mapAcmeUsage(usage: z.infer<typeof acmeUsageSchema>): Usage {
  return { inputTokens: usage.tokens_in, outputTokens: usage.tokens_out, reasoningTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, source: 'reported' };
}

export function mapAcmeStopReason(reason: z.infer<typeof acmeStopReasonSchema>): FinishReason {
  return reason === 'max_tokens' ? 'length' : 'stop';
}

/** An Acme answer as a contract result; a body that is not one is a 502 (the model may have generated: not retried). */
export function mapAcmeResponse(json: unknown, input: { provider: string; warnings: SettingWarning[] }): GenerateResult {
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProviderError({ provider: input.provider, message: `${input.provider} sent an answer tollgate could not read`, statusCode: 502, reachedModel: true });
  }
  const answer = parsed.data;
  return {
    providerResponseId: answer.id,
    text: answer.output,
    toolCalls: [],
    finishReason: mapAcmeStopReason(answer.stop_reason),
    usage: mapAcmeUsage(answer.usage),
    warnings: input.warnings,
  };
}
