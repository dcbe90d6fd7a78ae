import type { FinishReason } from '../chat-model';

/** Gemini stopped because a safety, recitation or blocklist filter fired. */
const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'LANGUAGE',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Maps Gemini's `finishReason` (or a prompt's `blockReason`) to the contract's vocabulary. Gemini says `STOP` after
 * function calls too, so `hasToolCalls` turns that into `tool_calls`. A reason tollgate does not know (`OTHER`,
 * `MALFORMED_FUNCTION_CALL`, anything added later) is `error`: nothing says the answer is complete.
 */
export function mapGoogleFinishReason(reason: string, hasToolCalls: boolean): FinishReason {
  if (reason === 'STOP' || reason === 'FINISH_REASON_UNSPECIFIED') return hasToolCalls ? 'tool_calls' : 'stop';
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(reason)) return 'content_filter';
  return 'error';
}
