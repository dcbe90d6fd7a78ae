import { z } from 'zod';
import { ProviderError } from '../provider-error';

const errorBodySchema = z
  .object({
    error: z.union([
      z.object({ message: z.string().optional(), type: z.string().nullish(), code: z.union([z.string(), z.number()]).nullish() }).loose(),
      z.string(),
    ]),
  })
  .loose();
const messageBodySchema = z.object({ message: z.string(), type: z.string().optional() }).loose();

/** Maps an OpenAI-style error response (any status ≥ 400) to a ProviderError, keeping the upstream message. */
export function mapOpenAiCompatibleError(input: {
  provider: string;
  statusCode: number;
  bodyText: string;
  retryAfterMs?: number;
}): ProviderError {
  let message = input.bodyText.slice(0, 500) || `HTTP ${input.statusCode}`;
  let upstreamCode: string | undefined;
  try {
    const json: unknown = JSON.parse(input.bodyText);
    const parsed = errorBodySchema.safeParse(json);
    if (parsed.success) {
      const error = parsed.data.error;
      if (typeof error === 'string') message = error;
      else {
        message = error.message ?? message;
        upstreamCode = error.code != null ? String(error.code) : (error.type ?? undefined);
      }
    } else {
      const flat = messageBodySchema.safeParse(json); // Mistral: {"object":"error","message":...,"type":...}
      if (flat.success) {
        message = flat.data.message;
        upstreamCode = flat.data.type;
      }
    }
  } catch {
    // not JSON: keep the text
  }
  return new ProviderError({
    provider: input.provider,
    message: `${input.provider} returned ${input.statusCode}: ${message}`,
    statusCode: input.statusCode,
    retryAfterMs: input.retryAfterMs,
    upstreamCode,
  });
}
