import { z } from 'zod';

const textPartSchema = z.object({ type: z.literal('text'), text: z.string() }).loose();
/** Mistral's reasoning models: `{type: "thinking", thinking: [{type: "text", text}]}`. */
const thinkingPartSchema = z
  .object({
    type: z.literal('thinking'),
    thinking: z.union([z.string(), z.array(z.object({ text: z.string() }).loose())]),
  })
  .loose();
/** Parts that carry no text for the caller (references, images, ...): read and skipped. */
const otherPartSchema = z.object({ type: z.string() }).loose();

/**
 * A message's or delta's `content`: a string, or (Mistral's reasoning models, some compatible servers) a list of
 * typed parts, of which `text` parts are the answer and `thinking` parts the reasoning.
 */
export const openAiCompatibleContentSchema = z
  .union([z.string(), z.array(z.union([textPartSchema, thinkingPartSchema, otherPartSchema]))])
  .nullish();
export type OpenAiCompatibleContent = z.infer<typeof openAiCompatibleContentSchema>;

/** Splits content into the answer text and the reasoning inside it; `text` is null when there was no content. */
export function splitOpenAiCompatibleContent(content: OpenAiCompatibleContent): { text: string | null; reasoning: string } {
  if (content == null) return { text: null, reasoning: '' };
  if (typeof content === 'string') return { text: content, reasoning: '' };
  let text = '';
  let reasoning = '';
  for (const part of content) {
    const asText = textPartSchema.safeParse(part);
    if (asText.success) {
      text += asText.data.text;
      continue;
    }
    const asThinking = thinkingPartSchema.safeParse(part);
    if (asThinking.success) {
      const { thinking } = asThinking.data;
      reasoning += typeof thinking === 'string' ? thinking : thinking.map((piece) => piece.text).join('');
    }
  }
  return { text, reasoning };
}
