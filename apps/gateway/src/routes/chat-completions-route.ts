import { chatCompletionRequestSchema } from '@tollgate/schemas';
import type { Request, Response } from 'express';
import type { CompletionDeps } from '../completion/completion-deps';
import { completionContext } from '../http/completion-context';
import { generateCompletion } from '../completion/generate-completion';
import { streamCompletion } from '../completion/stream-completion';
import { parseBody } from '../http/validate-request-body';
import { requirePayment } from '../l402/require-payment';
import { pipeSse, startSse, writeSse } from '../http/sse-writer';
import { warningHeaders } from '../http/warning-headers';
import { toOpenAiChatCompletion } from '../wire/openai-chat-response';
import { pluginWarnings } from '../wire/openai-plugins';
import { createOpenAiChunkMapper } from '../wire/openai-chat-stream';

/** `POST /v1/chat/completions`: OpenAI Chat Completions, JSON or SSE. */
export function chatCompletionsHandler(deps: CompletionDeps) {
  return async (request: Request, response: Response): Promise<void> => {
    const body = parseBody(chatCompletionRequestSchema, request.body);
    await requirePayment(deps, body, response);
    const context = completionContext(request, response);
    const requestWarnings = pluginWarnings(body, context.strict);
    const id = `chatcmpl-${context.requestId.replace(/^req_/, '')}`;
    const created = Math.floor(context.startedAt.getTime() / 1000);

    if (!body.stream) {
      const outcome = await generateCompletion(deps, body, context);
      response.set(warningHeaders([...requestWarnings, ...outcome.result.warnings])).json(toOpenAiChatCompletion(outcome, { id, created }));
      return;
    }

    const stream = await streamCompletion(deps, body, context);
    try {
      startSse(response, warningHeaders([...requestWarnings, ...stream.warnings]));
      const toChunks = createOpenAiChunkMapper({ id, created, model: stream.entry.id, includeUsage: body.stream_options?.include_usage === true });
      const delivered = await pipeSse(response, stream.parts, (part) => toChunks(part).map((chunk) => ({ data: JSON.stringify(chunk) })));
      if (!delivered) return;
      await writeSse(response, '[DONE]');
      response.end();
    } finally {
      await stream.close();
    }
  };
}
