import { z } from 'zod';
import { jsonTextTooDeep, MAX_JSON_DEPTH } from './json-depth';

export { findTooDeepJson, jsonTextTooDeep, MAX_JSON_DEPTH } from './json-depth';

/** A text part of a message's content. */
export const textPartSchema = z.object({ type: z.literal('text'), text: z.string() }).strict();

/** An image part: an https/http URL or a `data:image/...;base64,` URL. */
export const imagePartSchema = z
  .object({
    type: z.literal('image_url'),
    image_url: z
      .object({
        url: z.string().min(1).refine((url) => /^(https?:\/\/|data:image\/[a-z0-9.+-]+;base64,)/i.test(url), {
          message: 'must be an http(s) URL or a data:image/...;base64, URL',
        }),
        detail: z.enum(['auto', 'low', 'high']).optional(),
      })
      .strict(),
  })
  .strict();

export const contentPartSchema = z.discriminatedUnion('type', [textPartSchema, imagePartSchema]);
export type ContentPart = z.infer<typeof contentPartSchema>;

/**
 * Adapters whose providers take arguments as an object (Anthropic, Gemini) parse this text and serialize it again,
 * recursively: JSON nested thousands of levels deep would overflow the stack there, so it is refused here.
 */
const functionCallSchema = z
  .object({
    name: z.string().min(1),
    arguments: z.string().refine((text) => !jsonTextTooDeep(text), { message: `must not nest JSON deeper than ${MAX_JSON_DEPTH} levels` }),
  })
  .strict();

/** A tool call the assistant made, as it appears in conversation history. */
export const toolCallSchema = z
  .object({ id: z.string().min(1), type: z.literal('function'), function: functionCallSchema })
  .strict();
export type ToolCall = z.infer<typeof toolCallSchema>;

const name = z.string().min(1).max(64).optional();

export const systemMessageSchema = z
  .object({ role: z.literal('system'), content: z.union([z.string(), z.array(textPartSchema).min(1, 'must not be an empty array')]), name })
  .strict();
export const userMessageSchema = z
  .object({ role: z.literal('user'), content: z.union([z.string(), z.array(contentPartSchema).min(1, 'must not be an empty array')]), name })
  .strict();
export const assistantMessageSchema = z
  .object({
    role: z.literal('assistant'),
    content: z.union([z.string(), z.array(textPartSchema).min(1, 'must not be an empty array'), z.null()]).optional(),
    name,
    tool_calls: z.array(toolCallSchema).min(1).optional(),
    refusal: z.string().nullable().optional(),
  })
  .strict()
  .refine((message) => message.content != null || message.tool_calls != null, {
    message: 'an assistant message needs content or tool_calls',
  });
export const toolMessageSchema = z
  .object({
    role: z.literal('tool'),
    content: z.union([z.string(), z.array(textPartSchema).min(1, 'must not be an empty array')]),
    tool_call_id: z.string().min(1),
  })
  .strict();

export const chatMessageSchema = z.discriminatedUnion('role', [
  systemMessageSchema,
  userMessageSchema,
  assistantMessageSchema,
  toolMessageSchema,
]);
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** A function the model may call; `parameters` is a JSON Schema object. */
export const toolSchema = z
  .object({
    type: z.literal('function'),
    function: z
      .object({
        name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tool names are 1-64 of a-z A-Z 0-9 _ -'),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
        strict: z.boolean().nullable().optional(),
      })
      .strict(),
  })
  .strict();
export type Tool = z.infer<typeof toolSchema>;

export const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }).strict() }).strict(),
]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;

export const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }).strict(),
  z.object({ type: z.literal('json_object') }).strict(),
  z
    .object({
      type: z.literal('json_schema'),
      json_schema: z
        .object({
          name: z.string().min(1),
          description: z.string().optional(),
          schema: z.record(z.string(), z.unknown()).optional(),
          strict: z.boolean().nullable().optional(),
        })
        .strict(),
    })
    .strict(),
]);

const positiveInt = z.number().int().positive();

/**
 * An OpenAI Chat Completions request as tollgate accepts it: every field of the public contract
 * (shared/seeds/004) plus the common OpenAI extras. Unknown fields are refused rather than ignored, so a caller
 * never believes a setting was honoured when it was not.
 */
export const chatCompletionRequestSchema = z
  .object({
    model: z.string().min(1),
    /** OpenRouter-style fallbacks: tried in order after `model` when it fails before answering. */
    models: z.array(z.string().min(1)).max(8).optional(),
    // OpenAI accepts a conversation of only system messages; providers that do not answer it with their own 400.
    messages: z.array(chatMessageSchema).min(1),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).strict().nullable().optional(),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: positiveInt.optional(),
    max_completion_tokens: positiveInt.optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: positiveInt.optional(),
    frequency_penalty: z.number().min(-2).max(2).optional(),
    presence_penalty: z.number().min(-2).max(2).optional(),
    stop: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(4)]).nullable().optional(),
    response_format: responseFormatSchema.optional(),
    tools: z.array(toolSchema).min(1).max(128).optional(),
    tool_choice: toolChoiceSchema.optional(),
    parallel_tool_calls: z.boolean().optional(),
    seed: z.number().int().optional(),
    n: z.literal(1, { message: 'only n=1 is supported' }).optional(),
    user: z.string().max(256).optional(),
    /**
     * OpenRouter's plugins (`[{"id":"web"}]`, `file-parser`, `response-healing`…), which Router402's clients send.
     * Accepted so those clients work, never applied: the gateway reports each as unsupported (x-tollgate-warnings, or
     * a 400 in strict mode). Each names its plugin; its options are OpenRouter's and left unread.
     */
    plugins: z.array(z.looseObject({ id: z.string().min(1).max(100) })).max(16).optional(),
  })
  .strict();
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
