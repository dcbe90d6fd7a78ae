import { z } from 'zod';
import type { GenerateResult, GeneratedToolCall, SettingWarning } from '../chat-model';
import { ProviderError } from '../provider-error';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason';
import { anthropicUsageSchema, mapAnthropicUsage } from './map-anthropic-usage';

/** Content blocks are read by `type`; kinds tollgate does not use (redacted thinking, server tools) pass unread. */
const contentBlockSchema = z.object({ type: z.string() }).loose();
const textBlockSchema = z.object({ type: z.literal('text'), text: z.string() }).loose();
const thinkingBlockSchema = z.object({ type: z.literal('thinking'), thinking: z.string() }).loose();
const toolUseBlockSchema = z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }).loose();

const responseSchema = z
  .object({
    id: z.string().nullish(),
    content: z.array(contentBlockSchema),
    stop_reason: z.string().nullish(),
    usage: anthropicUsageSchema.nullish(),
  })
  .loose();

/** Maps a Messages API response body to the contract's result; a malformed body is a ProviderError (502). */
export function mapAnthropicResponse(json: unknown, input: { provider: string; warnings: SettingWarning[] }): GenerateResult {
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success) throw unreadable(input.provider, parsed.error.issues[0]?.message);
  const texts: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: GeneratedToolCall[] = [];
  for (const block of parsed.data.content) {
    const read = readBlock(block);
    if (read === undefined) throw unreadable(input.provider, `a ${block.type} block is malformed`);
    if (read.kind === 'text') texts.push(read.text);
    else if (read.kind === 'thinking') thoughts.push(read.text);
    else if (read.kind === 'tool-call') toolCalls.push(read.call);
  }
  return {
    providerResponseId: parsed.data.id ?? undefined,
    text: texts.length > 0 ? texts.join('') : null,
    reasoning: thoughts.length > 0 ? thoughts.join('') : undefined,
    toolCalls,
    finishReason: mapAnthropicFinishReason(parsed.data.stop_reason),
    usage: parsed.data.usage ? mapAnthropicUsage(parsed.data.usage) : undefined,
    warnings: input.warnings,
  };
}

type ReadBlock = { kind: 'text' | 'thinking'; text: string } | { kind: 'tool-call'; call: GeneratedToolCall } | { kind: 'other' };

/** One content block; undefined when a block of a known type lacks its fields. */
function readBlock(block: z.infer<typeof contentBlockSchema>): ReadBlock | undefined {
  switch (block.type) {
    case 'text': {
      const text = textBlockSchema.safeParse(block);
      return text.success ? { kind: 'text', text: text.data.text } : undefined;
    }
    case 'thinking': {
      const thinking = thinkingBlockSchema.safeParse(block);
      return thinking.success ? { kind: 'thinking', text: thinking.data.thinking } : undefined;
    }
    case 'tool_use': {
      const tool = toolUseBlockSchema.safeParse(block);
      if (!tool.success) return undefined;
      return { kind: 'tool-call', call: { id: tool.data.id, name: tool.data.name, arguments: JSON.stringify(tool.data.input ?? {}) } };
    }
    default:
      return { kind: 'other' };
  }
}

function unreadable(provider: string, detail: string | undefined): ProviderError {
  return new ProviderError({
    provider,
    message: `${provider} sent a response tollgate could not read: ${detail ?? 'unexpected shape'}`,
    statusCode: 502,
    reachedModel: true, // a 200 whose body tollgate cannot read may still have been generated and billed
  });
}
