import type { Response } from 'express';

/** Starts an SSE response with the given extra headers. */
export function startSse(response: Response, headers: Record<string, string>): void {
  response.status(200).set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...headers,
  });
  response.flushHeaders();
}

/**
 * Writes one SSE event (`event:` line optional) and waits for the socket to drain when its buffer is full, so a
 * slow reader slows the upstream down instead of growing memory. Resolves false once the caller has gone.
 */
export async function writeSse(response: Response, data: string, event?: string): Promise<boolean> {
  if (response.destroyed || response.writableEnded) return false;
  const ok = response.write(`${event ? `event: ${event}\n` : ''}data: ${data}\n\n`);
  if (ok) return true;
  return new Promise<boolean>((resolve) => {
    const done = (value: boolean) => {
      response.off('drain', onDrain);
      response.off('close', onClose);
      resolve(value);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    response.on('drain', onDrain);
    response.on('close', onClose);
  });
}

/** One server-sent event: its `data` payload and, for Anthropic-style streams, its `event` name. */
export interface SseEvent {
  data: string;
  event?: string;
}

/**
 * Writes every event `toEvents` makes of each part. If the caller goes away, stops reading `parts` (which stops the
 * upstream call and bills what was generated) and resolves false.
 */
export async function pipeSse<Part>(response: Response, parts: AsyncGenerator<Part>, toEvents: (part: Part) => SseEvent[]): Promise<boolean> {
  for await (const part of parts) {
    for (const event of toEvents(part)) {
      if (!(await writeSse(response, event.data, event.event))) {
        await parts.return(undefined);
        return false;
      }
    }
  }
  return true;
}
