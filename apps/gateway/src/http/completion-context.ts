import type { Request, Response } from 'express';
import type { Caller } from '../auth/caller';
import type { CompletionContext } from '../completion/completion-deps';
import { rateLimitHeaders } from '../admission/rate-limit-headers';
import type { RequestObservation } from '../observability/request-observer';

/** The context of one request: who, which id, strictness, and an abort signal fired when the caller leaves. */
export function completionContext(request: Request, response: Response): CompletionContext {
  const controller = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return {
    caller: response.locals['caller'] as Caller,
    requestId: response.locals['requestId'] as string,
    clientRequestId: response.locals['clientRequestId'] as string | undefined,
    strict: request.get('x-tollgate-strict')?.toLowerCase() === 'true',
    signal: controller.signal,
    startedAt: new Date(),
    observation: response.locals['observation'] as RequestObservation | undefined,
    reportLimits(state) {
      if (!response.headersSent) response.set(rateLimitHeaders(state));
      response.locals['limitsReported'] = true;
    },
  };
}

