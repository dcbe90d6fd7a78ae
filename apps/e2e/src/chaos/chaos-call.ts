import { createParser } from 'eventsource-parser';
import { request, type Dispatcher } from 'undici';
import { promptFor } from './faulty-upstream';

/** One call of the run, as its client plans it. */
export interface ChaosCall {
  /** The client's own id: in the prompt (the upstream's record) and in `x-request-id` (the ledger keeps it). */
  id: string;
  api: 'chat' | 'messages';
  streamed: boolean;
  chunks: number;
  paceMs: number;
}

/**
 * What the client saw: `ok` — a whole answer with the cost it was told; `partial` — an answer that began and was cut
 * (an error event, or the connection closed); `refused` — an HTTP error before any answer; `unreached` — no HTTP
 * answer at all (connection refused or reset); `hung` — nothing within the client's timeout.
 */
export type CallOutcome =
  | { kind: 'ok'; cost: string }
  | { kind: 'partial'; reason: string }
  | { kind: 'refused'; status: number; code: string }
  | { kind: 'unreached'; reason: string }
  | { kind: 'hung' };

export const CHAOS_MODEL = 'openai/gpt-4o-mini';

/** Makes one call against a gateway with the plain HTTP a client library sends, reading the answer the way it would. */
export async function makeCall(input: { gatewayUrl: string; apiKey: string; call: ChaosCall; dispatcher: Dispatcher; timeoutMs: number }): Promise<CallOutcome> {
  const { call } = input;
  const content = promptFor(call.id, call.chunks, call.paceMs);
  const body =
    call.api === 'chat'
      ? { model: CHAOS_MODEL, stream: call.streamed, messages: [{ role: 'user', content }] }
      : { model: CHAOS_MODEL, stream: call.streamed, max_tokens: 256, messages: [{ role: 'user', content }] };
  const signal = AbortSignal.timeout(input.timeoutMs);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(`${input.gatewayUrl}${call.api === 'chat' ? '/v1/chat/completions' : '/v1/messages'}`, {
      method: 'POST',
      dispatcher: input.dispatcher,
      signal,
      headers: {
        'content-type': 'application/json',
        'x-request-id': `chaos-${call.id}`,
        ...(call.api === 'chat' ? { authorization: `Bearer ${input.apiKey}` } : { 'x-api-key': input.apiKey, 'anthropic-version': '2023-06-01' }),
      },
      body: JSON.stringify(body),
    });
  } catch (error) {
    return signal.aborted ? { kind: 'hung' } : { kind: 'unreached', reason: errorCode(error) };
  }
  try {
    if (response.statusCode !== 200) {
      const text = await response.body.text();
      return { kind: 'refused', status: response.statusCode, code: errorCodeOf(text) };
    }
    if (!call.streamed) {
      const parsed = JSON.parse(await response.body.text()) as { usage?: { cost?: { total?: string } } };
      const cost = parsed.usage?.cost?.total;
      return cost ? { kind: 'ok', cost } : { kind: 'partial', reason: 'no cost in the answer' };
    }
    return await readStream(call.api, response.body);
  } catch (error) {
    if (signal.aborted) return { kind: 'hung' };
    return { kind: 'partial', reason: errorCode(error) };
  }
}

/** Reads an SSE answer to its end: the cost from the usage the gateway sends last, or why it was cut. */
async function readStream(api: ChaosCall['api'], body: AsyncIterable<Buffer>): Promise<CallOutcome> {
  let cost: string | undefined;
  let finished = false;
  let failure: string | undefined;
  const parser = createParser({
    onEvent(event) {
      if (event.data === '[DONE]') return;
      const data = JSON.parse(event.data) as { type?: string; error?: { code?: string; type?: string; message?: string }; usage?: { cost?: { total?: string } } };
      if (data.error) failure = `${data.error.code ?? data.error.type ?? 'error event'}: ${data.error.message?.slice(0, 60)}`;
      if (data.usage?.cost?.total) cost = data.usage.cost.total;
      if (api === 'messages' ? data.type === 'message_stop' : cost !== undefined) finished = true;
    },
  });
  for await (const chunk of body) parser.feed(chunk.toString());
  if (failure) return { kind: 'partial', reason: failure };
  if (finished && cost) return { kind: 'ok', cost };
  return { kind: 'partial', reason: 'stream ended without its usage' };
}

function errorCodeOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; type?: string; message?: string } };
    return `${parsed.error?.code ?? parsed.error?.type ?? 'unknown'}: ${parsed.error?.message?.slice(0, 60)}`;
  } catch {
    return 'not json';
  }
}

function errorCode(error: unknown): string {
  const withCode = error as { code?: string; cause?: { code?: string } };
  return withCode.code ?? withCode.cause?.code ?? (error instanceof Error ? error.message : String(error));
}
