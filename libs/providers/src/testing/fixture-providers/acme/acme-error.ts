import { z } from 'zod';
import { ProviderError } from '../../../provider-error';

const errorBodySchema = z.object({ problem: z.object({ message: z.string(), code: z.string().optional() }) });

/** Acme's error body (`{"problem":{"message","code"}}`) as a ProviderError; retryable as its status says. */
export function mapAcmeError(input: { provider: string; statusCode: number; bodyText: string; retryAfterMs?: number }): ProviderError {
  let message = input.bodyText.slice(0, 500) || `HTTP ${input.statusCode}`;
  let upstreamCode: string | undefined;
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(input.bodyText));
    if (parsed.success) ({ message, code: upstreamCode } = parsed.data.problem);
  } catch {
    // not JSON: keep the text
  }
  return new ProviderError({ provider: input.provider, message: `${input.provider} returned ${input.statusCode}: ${message}`, statusCode: input.statusCode, retryAfterMs: input.retryAfterMs, upstreamCode });
}
