import { z } from 'zod';
import type { GenerateResult, SettingWarning } from '../chat-model';
import { ProviderError } from '../provider-error';
import { openAiCompatibleContentSchema, splitOpenAiCompatibleContent } from './map-openai-compatible-content';
import { mapOpenAiCompatibleFinishReason } from './map-openai-compatible-finish-reason';
import { mapOpenAiCompatibleUsage, openAiCompatibleUsageSchema } from './map-openai-compatible-usage';

const toolCallSchema = z
  .object({
    id: z.string().nullish(),
    function: z.object({ name: z.string(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish() }).loose(),
  })
  .loose();

const responseSchema = z
  .object({
    id: z.string().nullish(),
    choices: z
      .array(
        z
          .object({
            message: z
              .object({
                content: openAiCompatibleContentSchema,
                reasoning_content: z.string().nullish(),
                reasoning: z.string().nullish(),
                tool_calls: z.array(toolCallSchema).nullish(),
              })
              .loose(),
            finish_reason: z.string().nullish(),
          })
          .loose(),
      )
      .min(1),
    usage: openAiCompatibleUsageSchema.nullish(),
  })
  .loose();

/** Maps an OpenAI-style chat completion body to the contract's result; a malformed body is a ProviderError. */
export function mapOpenAiCompatibleResponse(
  json: unknown,
  input: { provider: string; warnings: SettingWarning[] },
): GenerateResult {
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProviderError({
      provider: input.provider,
      message: `${input.provider} sent a response tollgate could not read: ${parsed.error.issues[0]?.message}`,
      statusCode: 502,
      reachedModel: true, // a 200 whose body tollgate cannot read may still have been generated and billed
    });
  }
  const { message, finish_reason } = parsed.data.choices[0];
  const usage = parsed.data.usage ? mapOpenAiCompatibleUsage(parsed.data.usage) : undefined;
  const content = splitOpenAiCompatibleContent(message.content);
  // DeepSeek and xAI say `reasoning_content`, Groq and vLLM-based servers `reasoning`, Mistral puts thinking parts in `content`.
  const reasoning = message.reasoning_content || message.reasoning || content.reasoning;
  return {
    providerResponseId: parsed.data.id ?? undefined,
    text: content.text,
    reasoning: reasoning || undefined,
    toolCalls: (message.tool_calls ?? []).map((call, index) => ({
      id: call.id ?? `call_${index}`,
      name: call.function.name,
      arguments:
        typeof call.function.arguments === 'string' ? call.function.arguments : JSON.stringify(call.function.arguments ?? {}),
    })),
    finishReason: mapOpenAiCompatibleFinishReason(finish_reason),
    usage,
    warnings: input.warnings,
  };
}
