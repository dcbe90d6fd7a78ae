import { z } from 'zod';
import { imagePartSchema } from './chat-completion-request';

const cacheControl = z.object({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() }).strict().optional();

/** Anthropic refuses text blocks that are empty or only whitespace (in messages, `system` and tool results alike). */
const blockText = z.string().regex(/\S/, 'text content blocks must contain non-whitespace text');

export const anthropicTextBlockSchema = z
  .object({ type: z.literal('text'), text: blockText, cache_control: cacheControl, citations: z.array(z.unknown()).nullish() })
  .strict();

export const anthropicImageBlockSchema = z
  .object({
    type: z.literal('image'),
    source: z.discriminatedUnion('type', [
      z
        .object({
          type: z.literal('base64'),
          media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']),
          data: z.string().min(1),
        })
        .strict(),
      z.object({ type: z.literal('url'), url: z.string().regex(/^https?:\/\//, 'must be an http(s) URL') }).strict(),
    ]),
    cache_control: cacheControl,
  })
  .strict();

export const anthropicToolUseBlockSchema = z
  .object({
    type: z.literal('tool_use'),
    id: z.string().min(1),
    name: z.string().min(1),
    input: z.record(z.string(), z.unknown()),
    cache_control: cacheControl,
  })
  .strict();

export const anthropicToolResultBlockSchema = z
  .object({
    type: z.literal('tool_result'),
    tool_use_id: z.string().min(1),
    content: z.union([z.string(), z.array(z.discriminatedUnion('type', [anthropicTextBlockSchema, anthropicImageBlockSchema]))]).optional(),
    is_error: z.boolean().optional(),
    cache_control: cacheControl,
  })
  .strict();

/** Thinking blocks a client sends back in history; tollgate does not forward them (providers re-think). */
export const anthropicThinkingBlockSchema = z
  .object({ type: z.enum(['thinking', 'redacted_thinking']), thinking: z.string().optional(), signature: z.string().optional(), data: z.string().optional() })
  .strict();

/**
 * An image given the OpenAI way (`{"type":"image_url","image_url":{"url"}}`), which LightningProx documents for its
 * /v1/messages: accepted in user turns beside Anthropic's own `image` block.
 */
export const anthropicImageUrlBlockSchema = imagePartSchema;

export const anthropicContentBlockSchema = z.discriminatedUnion('type', [
  anthropicTextBlockSchema,
  anthropicImageBlockSchema,
  anthropicImageUrlBlockSchema,
  anthropicToolUseBlockSchema,
  anthropicToolResultBlockSchema,
  anthropicThinkingBlockSchema,
]);
export type AnthropicContentBlock = z.infer<typeof anthropicContentBlockSchema>;

/** The blocks each role may send; anything else has no meaning in that turn, and Anthropic refuses it. */
const blocksByRole: Record<'user' | 'assistant', ReadonlySet<AnthropicContentBlock['type']>> = {
  user: new Set(['text', 'image', 'image_url', 'tool_result']),
  assistant: new Set(['text', 'tool_use', 'thinking', 'redacted_thinking']),
};

export const anthropicMessageSchema = z
  .object({
    role: z.enum(['user', 'assistant']),
    content: z.union([z.string(), z.array(anthropicContentBlockSchema).min(1, 'must not be an empty array')]),
  })
  .strict()
  .superRefine((message, context) => {
    if (typeof message.content === 'string') return;
    message.content.forEach((block, index) => {
      if (!blocksByRole[message.role].has(block.type)) {
        context.addIssue({ code: 'custom', path: ['content', index, 'type'], message: `a ${message.role} message cannot contain a ${block.type} block` });
      }
    });
    // Thinking blocks are not forwarded (providers think again), so a turn of only thinking would arrive empty.
    if (message.role === 'assistant' && !message.content.some((block) => block.type === 'text' || block.type === 'tool_use')) {
      context.addIssue({ code: 'custom', path: ['content'], message: 'an assistant message needs a text or tool_use block (thinking blocks are not forwarded)' });
    }
  });
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;

export const anthropicToolSchema = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tool names are 1-64 of a-z A-Z 0-9 _ -'),
    description: z.string().optional(),
    input_schema: z.record(z.string(), z.unknown()),
    cache_control: cacheControl,
    type: z.literal('custom').optional(),
  })
  .strict();

export const anthropicToolChoiceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('none') }).strict(),
]);

/** An Anthropic Messages API request (`POST /v1/messages`) as tollgate accepts it. */
export const anthropicMessagesRequestSchema = z
  .object({
    model: z.string().min(1),
    max_tokens: z.number().int().positive(),
    messages: z
      .array(anthropicMessageSchema)
      .min(1)
      .superRefine((messages, context) => {
        messages.forEach((message, index) => {
          // Anthropic takes empty content only in a final assistant turn (a prefill of nothing).
          const emptyAllowed = message.role === 'assistant' && index === messages.length - 1 && message.content === '';
          if (typeof message.content === 'string' && !emptyAllowed && !/\S/.test(message.content)) {
            context.addIssue({ code: 'custom', path: [index, 'content'], message: 'must contain non-whitespace text' });
          }
        });
        // Tool results become `tool` messages: a conversation of nothing else has no turn for a model to answer.
        const hasTurn = messages.some((message) => message.role === 'assistant' || typeof message.content === 'string' || message.content.some((block) => block.type !== 'tool_result'));
        if (!hasTurn) context.addIssue({ code: 'custom', path: [], message: 'must include a user or assistant message besides tool results' });
      }),
    system: z.union([z.string(), z.array(anthropicTextBlockSchema)]).optional(),
    temperature: z.number().min(0).max(1).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().positive().optional(),
    stop_sequences: z.array(z.string().min(1)).optional(),
    tools: z.array(anthropicToolSchema).optional(),
    tool_choice: anthropicToolChoiceSchema.optional(),
    stream: z.boolean().optional(),
    metadata: z.object({ user_id: z.string().max(256).nullish() }).strict().optional(),
  })
  .strict();
export type AnthropicMessagesRequest = z.infer<typeof anthropicMessagesRequestSchema>;
