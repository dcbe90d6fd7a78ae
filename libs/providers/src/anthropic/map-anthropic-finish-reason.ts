import type { FinishReason } from '../chat-model';

/**
 * Anthropic's `stop_reason` in OpenAI's vocabulary. `pause_turn` (a server tool paused a long turn) ends this
 * response normally; the caller may continue it. Unknown reasons count as a normal stop.
 */
export function mapAnthropicFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}
