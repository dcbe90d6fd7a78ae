import { anthropicMessagesRequestSchema } from '@tollgate/schemas';
import type { Request, Response } from 'express';
import type { Caller } from '../auth/caller';
import type { CompletionDeps } from '../completion/completion-deps';
import { generateCompletion } from '../completion/generate-completion';
import { streamCompletion } from '../completion/stream-completion';
import { completionContext } from '../http/completion-context';
import { parseBody } from '../http/validate-request-body';
import { requirePayment } from '../l402/require-payment';
import { pipeSse, startSse, writeSse } from '../http/sse-writer';
import { warningHeaders } from '../http/warning-headers';
import { cacheControlWarnings } from '../wire/anthropic-cache-control';
import { fromAnthropicRequest } from '../wire/anthropic-request';
import { toAnthropicMessage } from '../wire/anthropic-message-response';
import { createAnthropicEventMapper } from '../wire/anthropic-message-stream';

/**
 * `POST /v1/messages`: the Anthropic Messages API over every model of the catalog. The request is translated to
 * the internal (OpenAI-shaped) request, served through the same provider contract and metering as
 * /v1/chat/completions, and answered in Anthropic's shape (JSON, or `event:` + `data:` SSE).
 */
export function messagesHandler(deps: CompletionDeps) {
  return async (request: Request, response: Response): Promise<void> => {
    const anthropicBody = parseBody(anthropicMessagesRequestSchema, request.body);
    const context = completionContext(request, response);
    const requestWarnings = cacheControlWarnings(anthropicBody, context.strict);
    const body = fromAnthropicRequest(anthropicBody);
    await requirePayment(deps, body, response);
    // Payment may have set or replaced the caller (an x402 payer, a wallet's limit): the context was taken before.
    context.caller = response.locals['caller'] as Caller;
    const id = `msg_${context.requestId.replace(/^req_/, '')}`;

    if (!body.stream) {
      const outcome = await generateCompletion(deps, body, context);
      response.set(warningHeaders([...requestWarnings, ...outcome.result.warnings])).json(toAnthropicMessage(outcome, id));
      return;
    }

    const stream = await streamCompletion(deps, body, context);
    try {
      startSse(response, warningHeaders([...requestWarnings, ...stream.warnings]));
      const events = createAnthropicEventMapper({ id, model: stream.entry.id });
      const start = events.start();
      if (!(await writeSse(response, JSON.stringify(start.data), start.event))) return;
      const delivered = await pipeSse(response, stream.parts, (part) => events.map(part).map((event) => ({ data: JSON.stringify(event.data), event: event.event })));
      if (delivered) response.end();
    } finally {
      await stream.close();
    }
  };
}
