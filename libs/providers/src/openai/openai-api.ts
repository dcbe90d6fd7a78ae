import type { OpenAiCompatibleQuirks } from '../openai-compatible/openai-compatible-api';

/** OpenAI itself: everything but `top_k`; the output budget is `max_completion_tokens`. */
export const OPENAI_QUIRKS: OpenAiCompatibleQuirks = { unsupportedSettings: ['top_k'], maxTokensField: 'max_completion_tokens', streamUsageOption: true };
