import type { CompletionPart } from '../completion/stream-completion';
import { toAnthropicStopReason, toAnthropicUsage } from './anthropic-message-response';

/** One Anthropic SSE event: its `event:` name and its `data:` object. */
export interface AnthropicEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Turns metered completion parts into Anthropic stream events. `start()` gives `message_start`; each part then maps
 * to content-block events (a text block, or one `tool_use` block per tool call with `input_json_delta`s), and the
 * closing part to `message_delta` (stop reason, usage with cost) + `message_stop`, or an `error` event.
 */
export function createAnthropicEventMapper(input: { id: string; model: string }) {
  let blockIndex = -1;
  let open: { kind: 'text' } | { kind: 'tool'; toolIndex: number } | undefined;

  const close = (): AnthropicEvent[] => {
    if (!open) return [];
    open = undefined;
    return [{ event: 'content_block_stop', data: { type: 'content_block_stop', index: blockIndex } }];
  };
  const startBlock = (contentBlock: Record<string, unknown>, state: NonNullable<typeof open>): AnthropicEvent[] => {
    const events = close();
    blockIndex += 1;
    open = state;
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index: blockIndex, content_block: contentBlock } });
    return events;
  };

  function start(): AnthropicEvent {
    return {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          id: input.id,
          type: 'message',
          role: 'assistant',
          model: input.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
    };
  }

  function map(part: CompletionPart): AnthropicEvent[] {
    switch (part.type) {
      case 'text-delta': {
        const events = open?.kind === 'text' ? [] : startBlock({ type: 'text', text: '' }, { kind: 'text' });
        events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: blockIndex, delta: { type: 'text_delta', text: part.text } } });
        return events;
      }
      case 'reasoning-delta':
        return []; // thinking needs a provider signature to be sent back; it is not exposed on this API
      case 'tool-call-delta': {
        const events =
          open?.kind === 'tool' && open.toolIndex === part.index
            ? []
            : startBlock({ type: 'tool_use', id: part.id ?? `toolu_${blockIndex + 1}`, name: part.name ?? '', input: {} }, { kind: 'tool', toolIndex: part.index });
        if (part.argumentsDelta) {
          events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: blockIndex, delta: { type: 'input_json_delta', partial_json: part.argumentsDelta } } });
        }
        return events;
      }
      case 'finish':
        return [
          ...close(),
          {
            event: 'message_delta',
            data: { type: 'message_delta', delta: { stop_reason: toAnthropicStopReason(part.finishReason), stop_sequence: null }, usage: toAnthropicUsage(part.usage, part.cost) },
          },
          { event: 'message_stop', data: { type: 'message_stop' } },
        ];
      case 'error':
        return [{ event: 'error', data: { type: 'error', error: { type: anthropicErrorType(part.error.status), message: part.error.message } } }];
    }
  }

  return { start, map };
}

/**
 * Anthropic's error `type` for an HTTP status, as its API documents them (docs.claude.com/en/api/errors): the listed
 * statuses keep their own type, and every other 4xx (e.g. 415, 422) is `invalid_request_error`, as Anthropic says it
 * uses that type for unlisted 4xx statuses. 402 (`billing_error`) and 504 (`timeout_error`) are types Anthropic also
 * returns; 503 is answered as overloaded, Anthropic's type for a temporarily unavailable API.
 */
export function anthropicErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'billing_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status >= 400 && status < 500) return 'invalid_request_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status === 504) return 'timeout_error';
  return 'api_error';
}
