import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { CallOptions, ChatModel, FinishReason, GeneratedToolCall, StreamPart } from '../chat-model';

/** What a whole stream amounted to, for adapter tests: the parts put back together. */
export interface AssembledStream {
  parts: StreamPart[];
  text: string;
  reasoning: string;
  toolCalls: GeneratedToolCall[];
  /** The closing part: `finish` or `error`. */
  last: StreamPart | undefined;
  finishReason?: FinishReason;
}

/** The output budget of test calls unless a test says otherwise: distinctive, so snapshots show where it went. */
export const TEST_OUTPUT_BUDGET = 1000;

/** Test call options: a fresh signal, a fixed request id, the test output budget; `overrides` replace any of them. */
export function testCallOptions(overrides: Partial<CallOptions> = {}): CallOptions {
  return { signal: new AbortController().signal, requestId: 'req-test-0001', maxOutputTokens: TEST_OUTPUT_BUDGET, ...overrides };
}

/** Reads a model's stream to the end and assembles text, reasoning and tool calls (by index) from its deltas. */
export async function readWholeStream(model: ChatModel, request: ChatCompletionRequest, options = testCallOptions()): Promise<AssembledStream> {
  const parts: StreamPart[] = [];
  for await (const part of model.stream(request, options)) parts.push(part);
  const toolCalls: GeneratedToolCall[] = [];
  let text = '';
  let reasoning = '';
  for (const part of parts) {
    if (part.type === 'text-delta') text += part.text;
    if (part.type === 'reasoning-delta') reasoning += part.text;
    if (part.type === 'tool-call-delta') {
      const call = (toolCalls[part.index] ??= { id: '', name: '', arguments: '' });
      if (part.id) call.id = part.id;
      if (part.name) call.name = part.name;
      call.arguments += part.argumentsDelta;
    }
  }
  const last = parts.at(-1);
  return { parts, text, reasoning, toolCalls, last, finishReason: last?.type === 'finish' ? last.finishReason : undefined };
}
