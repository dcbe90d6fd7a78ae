import type { OpenAiCompatibleQuirks } from '../openai-compatible/openai-compatible-api';

/**
 * How Mistral's chat completions API (`https://api.mistral.ai/v1`) differs from OpenAI's. Mistral validates strictly
 * (an unknown field is a 422 "Extra inputs are not permitted"), so everything it does not define is dropped here:
 * - `seed` is `random_seed`; the output budget is `max_tokens` (it has no `max_completion_tokens`);
 *   `tool_choice: "required"` is `"any"`;
 * - `top_k` and `user` do not exist (`frequency_penalty`, `presence_penalty`, `n`, `parallel_tool_calls` do);
 * - `stream_options` is refused, and the last chunk carries usage anyway;
 * - messages take no `name` (nor `refusal`), and tool call ids must be 9 characters a-z, A-Z, 0-9.
 * `finish_reason: "model_length"` and content given as `thinking`/`text` parts are read by the shared base.
 */
export const MISTRAL_QUIRKS: OpenAiCompatibleQuirks = {
  unsupportedSettings: ['top_k', 'user'],
  renamedSettings: { seed: 'random_seed' },
  maxTokensField: 'max_tokens',
  requiredToolChoice: 'any',
  streamUsageOption: false,
  unsupportedMessageFields: ['name', 'refusal'],
  alphanumericToolCallIds: { length: 9 },
};
