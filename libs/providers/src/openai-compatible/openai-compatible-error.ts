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
/** One pydantic validation failure, as Mistral reports a request it refuses (422). */
const validationIssueSchema = z.object({ loc: z.array(z.union([z.string(), z.number()])).optional(), msg: z.string() }).loose();
const validationIssuesSchema = z.array(validationIssueSchema).min(1);
const messageBodySchema = z
  .object({
    message: z.union([z.string(), z.object({ detail: validationIssuesSchema }).loose(), validationIssuesSchema]),
    type: z.string().optional(),
  })
  .loose();

/** `body.stream_options: Extra inputs are not permitted; ...` from Mistral's validation details. */
function describeValidationIssues(issues: z.infer<typeof validationIssuesSchema>): string {
  return issues.map((issue) => (issue.loc ? `${issue.loc.join('.')}: ${issue.msg}` : issue.msg)).join('; ');
}

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
      // Mistral: {"object":"error","message":"..." | {"detail":[...]} | [...],"type":...}
      const flat = messageBodySchema.safeParse(json);
      if (flat.success) {
        const flatMessage = flat.data.message;
        if (typeof flatMessage === 'string') message = flatMessage;
        else message = describeValidationIssues(Array.isArray(flatMessage) ? flatMessage : flatMessage.detail);
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
