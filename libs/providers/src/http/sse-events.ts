import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** Parses a byte stream of Server-Sent Events into messages (`event` name, `data` text), in order. */
export async function* readSseEvents(body: AsyncIterable<Buffer | string>): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(message) });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    while (pending.length > 0) yield pending.shift() as EventSourceMessage;
  }
  parser.feed(decoder.decode());
  parser.reset({ consume: true });
  while (pending.length > 0) yield pending.shift() as EventSourceMessage;
}
