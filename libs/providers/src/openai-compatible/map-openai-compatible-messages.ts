import { createHash } from 'node:crypto';
import type { ChatMessage } from '@tollgate/schemas';
import type { OpenAiCompatibleQuirks } from './openai-compatible-api';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A tool call id of exactly `length` characters a-z, A-Z, 0-9: the id itself when it already is one, otherwise one
 * derived from its SHA-256, so the same id always becomes the same new id (the call and its answer keep matching).
 */
export function alphanumericToolCallId(id: string, length: number): string {
  if (id.length === length && /^[A-Za-z0-9]+$/.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let derived = '';
  for (let position = 0; derived.length < length; position++) {
    derived += ALPHANUMERIC[(digest[position % digest.length] ?? 0) % ALPHANUMERIC.length];
  }
  return derived;
}

/**
 * The conversation as the provider accepts it: message fields it rejects dropped (each reported once through
 * `report`, which throws in strict mode), tool call ids reshaped when it demands a shape. Messages are copied, never
 * changed in place.
 */
export function mapOpenAiCompatibleMessages(
  messages: readonly ChatMessage[],
  quirks: OpenAiCompatibleQuirks,
  report: (setting: string) => void,
): Array<Record<string, unknown>> {
  const rejected = new Set<string>(quirks.unsupportedMessageFields ?? []);
  const idLength = quirks.alphanumericToolCallIds?.length;
  const reported = new Set<string>();
  return messages.map((message) => {
    const kept = Object.entries(message).filter(([field, value]) => {
      if (!rejected.has(field)) return true;
      if (value != null && !reported.has(field)) {
        reported.add(field);
        report(`messages[].${field}`);
      }
      return false;
    });
    const mapped: Record<string, unknown> = Object.fromEntries(kept);
    if (idLength !== undefined) {
      if (message.role === 'assistant' && message.tool_calls) {
        mapped['tool_calls'] = message.tool_calls.map((call) => ({ ...call, id: alphanumericToolCallId(call.id, idLength) }));
      }
      if (message.role === 'tool') mapped['tool_call_id'] = alphanumericToolCallId(message.tool_call_id, idLength);
    }
    return mapped;
  });
}
