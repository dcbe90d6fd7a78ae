import type { OpenAiCompatibleQuirks } from '../openai-compatible/openai-compatible-api';

/**
 * How Together.ai's chat completions API (`https://api.together.xyz/v1`) differs from OpenAI's. It takes `top_k`
 * (and `seed`, `n`, the penalties) and `stream_options: {include_usage: true}`. Its API reference defines no `user`
 * and no `parallel_tool_calls`, and it ignores fields it does not know, so those two are reported instead of being
 * sent to no effect; the output budget goes in `max_tokens` (it has no `max_completion_tokens`). Reasoning models
 * answer with `reasoning_content` or `reasoning` depending on the model; both are read by the shared base.
 */
export const TOGETHER_QUIRKS: OpenAiCompatibleQuirks = {
  unsupportedSettings: ['user', 'parallel_tool_calls'],
  maxTokensField: 'max_tokens',
  streamUsageOption: true,
};
