import { z } from 'zod';
import { ProviderError } from '../provider-error';

const retryInfoSchema = z.object({ '@type': z.string().endsWith('google.rpc.RetryInfo'), retryDelay: z.string() }).loose();

const errorBodySchema = z
  .object({
    error: z
      .object({
        code: z.number().int().optional(),
        message: z.string().optional(),
        status: z.string().optional(),
        details: z.array(z.unknown()).optional(),
      })
      .loose(),
  })
  .loose();

/** A protobuf Duration as JSON (`"34.4s"`), in milliseconds. */
export function parseGoogleDuration(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

const errorInfoSchema = z.object({ '@type': z.string().endsWith('google.rpc.ErrorInfo'), reason: z.string() }).loose();

/** Gemini answers a bad API key with a 400 whose ErrorInfo reason says so: it is tollgate's credentials, not the request. */
function isRejectedKey(details: readonly unknown[] | undefined): boolean {
  return (details ?? []).some((detail) => {
    const parsed = errorInfoSchema.safeParse(detail);
    return parsed.success && (parsed.data.reason === 'API_KEY_INVALID' || parsed.data.reason === 'API_KEY_EXPIRED');
  });
}

/** The wait a `google.rpc.RetryInfo` entry of an error's `details` asks for. */
function retryDelayFromDetails(details: readonly unknown[] | undefined): number | undefined {
  for (const detail of details ?? []) {
    const parsed = retryInfoSchema.safeParse(detail);
    if (parsed.success) return parseGoogleDuration(parsed.data.retryDelay);
  }
  return undefined;
}

/**
 * Maps a Gemini error response (`{error:{code,message,status,details}}`) to a ProviderError keeping the upstream
 * message; `status` (e.g. `RESOURCE_EXHAUSTED`) becomes `upstreamCode`. The wait comes from the `retry-after` header
 * when there is one, else from the RetryInfo detail Gemini attaches to quota errors.
 */
export function mapGoogleError(input: {
  provider: string;
  statusCode: number;
  bodyText: string;
  retryAfterMs?: number;
}): ProviderError {
  let message = input.bodyText.slice(0, 500) || `HTTP ${input.statusCode}`;
  let upstreamCode: string | undefined;
  let retryAfterMs = input.retryAfterMs;
  let statusCode = input.statusCode;
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(input.bodyText));
    if (parsed.success) {
      const { error } = parsed.data;
      message = error.message ?? message;
      upstreamCode = error.status;
      retryAfterMs ??= retryDelayFromDetails(error.details);
      if (isRejectedKey(error.details)) statusCode = 401;
    }
  } catch {
    // not JSON (a proxy's HTML page): keep the text
  }
  return new ProviderError({
    provider: input.provider,
    message: `${input.provider} returned ${input.statusCode}: ${message}`,
    statusCode,
    retryAfterMs,
    upstreamCode,
  });
}

/**
 * A ProviderError for a Gemini body or chunk tollgate could not read (502). It came with a 200: the model may have
 * generated (and billed) the answer, so it is not retried (`reachedModel`).
 */
export function malformedGoogleResponse(provider: string, detail: string): ProviderError {
  return new ProviderError({ provider, message: `${provider} sent a response tollgate could not read: ${detail}`, statusCode: 502, reachedModel: true });
}
