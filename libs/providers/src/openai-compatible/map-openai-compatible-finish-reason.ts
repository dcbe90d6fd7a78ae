import type { FinishReason } from '../chat-model';

/** OpenAI-family finish reasons; unknown ones (e.g. Mistral's `model_length`) map to the closest meaning. */
export function mapOpenAiCompatibleFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
    case 'eos':
      return 'stop';
    case 'length':
    case 'model_length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    case 'error':
    case 'insufficient_system_resource': // DeepSeek: generation cut off for lack of capacity
      return 'error';
    default:
      return 'stop';
  }
}
