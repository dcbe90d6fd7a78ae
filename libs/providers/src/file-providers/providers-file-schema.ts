import { chatCompletionRequestSchema, nonNegativeDecimalString } from '@tollgate/schemas';
import { z } from 'zod';

/** An environment variable's name, as the file names the settings it reads (`ACME_API_KEY`). */
const settingName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an environment variable name: A-Z, 0-9 and _, starting with a letter');

/**
 * A price in USD per million tokens, as a decimal string ("0.5"): a JSON or YAML number is refused, since a double
 * can lose digits and money is exact everywhere in tollgate.
 */
const price = z.string({ error: 'a price is a decimal string in USD per million tokens, e.g. "0.5" (not a number, which could lose digits)' }).pipe(nonNegativeDecimalString);

/** Prices per token class; the classes left out fall back as in the bundled catalog (reasoning → output, cache → input). */
const pricesSchema = z.strictObject(
  {
    input: price,
    output: price,
    reasoning: price.optional(),
    cacheRead: price.optional(),
    cacheWrite: price.optional(),
  },
  { error: (issue) => (issue.input === undefined ? 'every model needs prices (USD per million tokens): a model without prices would serve unpriced traffic' : undefined) },
);

/**
 * Request fields a quirk may name: every field of the public request but those the gateway itself decides (the model,
 * the messages, streaming and the output budget, which is always the reserved one, in `maxTokensField`).
 */
const requestSetting = chatCompletionRequestSchema.keyof().exclude(['model', 'models', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens']);

/**
 * How the endpoint differs from OpenAI's API: the same data the Mistral and Together adapters are configured with
 * (OpenAiCompatibleQuirks). Defaults suit a plain OpenAI-compatible server (vLLM, Ollama, Groq, DeepSeek…).
 */
const quirksSchema = z.strictObject({
  unsupportedSettings: z.array(requestSetting).default([]),
  renamedSettings: z.partialRecord(requestSetting, z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a field name: a-z, 0-9 and _')).optional(),
  maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).default('max_tokens'),
  requiredToolChoice: z.string().min(1).optional(),
  streamUsageOption: z.boolean().default(true),
  unsupportedMessageFields: z.array(z.enum(['name', 'refusal'])).optional(),
  alphanumericToolCallIds: z.strictObject({ length: z.number().int().min(1).max(64) }).optional(),
});

/** Headers the gateway sets itself, which an extra header may not replace. */
const RESERVED_HEADERS = new Set(['authorization', 'api-key', 'x-request-id', 'content-type', 'content-length', 'accept', 'host', 'connection', 'transfer-encoding']);

const headersSchema = z
  .record(z.string(), z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'must be a header value: printable characters, no line breaks'))
  .superRefine((headers, context) => {
    for (const name of Object.keys(headers)) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) context.addIssue({ code: 'custom', path: [name], message: 'is not an HTTP header name' });
      else if (RESERVED_HEADERS.has(name.toLowerCase())) context.addIssue({ code: 'custom', path: [name], message: 'is set by the gateway itself (the key goes in apiKeyEnv)' });
    }
  });

/** Azure OpenAI addressing, on the provider (for all its models) or on a model; a model's fields win. */
const azureSchema = z.strictObject({
  deployment: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be an Azure deployment name: A-Z, a-z, 0-9, ., _ and -').optional(),
  apiVersion: z.string().regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'must be an Azure api-version such as 2024-10-21').optional(),
});

const priceTierSchema = z.strictObject({ aboveInputTokens: z.number().int().positive(), prices: pricesSchema });

/** One model: its catalog id is `<provider id>/<id>`. */
const modelSchema = z.strictObject({
  /** The model part of its catalog id (`fast` → `acme/fast`). */
  id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be A-Z, a-z, 0-9, ., _ and - (the provider id is put before it)'),
  /** The name the endpoint knows it by (the request body's `model`); default: `id`. Also accepted from callers. */
  upstreamId: z.string().min(1).optional(),
  /** A display name; default: `id`. */
  name: z.string().min(1).optional(),
  aliases: z.array(z.string().min(1)).optional(),
  prices: pricesSchema,
  priceTiers: z.array(priceTierSchema).min(1).optional(),
  imageTokens: z.number().int().positive().optional(),
  contextWindow: z.number().int().positive(),
  maxOutputTokens: z.number().int().positive(),
  azure: azureSchema.optional(),
});
export type FileModel = z.infer<typeof modelSchema>;

/** A named key of a provider, from its own setting (the key pool spreads requests over them by weight). */
const keySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of A-Z, a-z, 0-9, ., _ and - (it is shown in metering, never the key)'),
  env: settingName,
  weight: z.number().positive().optional(),
});

/** One OpenAI-compatible endpoint. */
const providerSchema = z.strictObject({
  /** The first part of its models' ids (`acme/fast`); may not be a built-in provider's name. */
  id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'must be 1-40 of a-z, 0-9 and -'),
  /** Including the version path (`http://vllm:8000/v1`); Azure: the resource (`https://x.openai.azure.com`). */
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }),
  /** The setting that overrides baseUrl; default `<ID>_BASE_URL` (`my-lab` → `MY_LAB_BASE_URL`). */
  baseUrlEnv: settingName.optional(),
  /** The setting holding its key (default `<ID>_API_KEY`); while no key is set its models are listed unavailable. */
  apiKeyEnv: settingName.optional(),
  /** The setting holding several keys, comma-separated. */
  apiKeysEnv: settingName.optional(),
  /** Named keys, each from its own setting, with optional weights. */
  keys: z.array(keySchema).min(1).optional(),
  /** An endpoint that takes no key (a local vLLM or Ollama): always available, sent no credential. */
  keyless: z.literal(true).optional(),
  headers: headersSchema.optional(),
  quirks: quirksSchema.optional(),
  azure: azureSchema.optional(),
  models: z.array(modelSchema).min(1, 'a provider needs at least one model'),
});
export type FileProvider = z.infer<typeof providerSchema>;

/** A PROVIDERS_FILE: `{"providers": [...]}`. Unknown fields are refused anywhere, so a misspelt one is not ignored. */
export const providersFileSchema = z.strictObject({
  $comment: z.string().optional(),
  providers: z.array(providerSchema),
});
export type ProvidersFile = z.infer<typeof providersFileSchema>;
