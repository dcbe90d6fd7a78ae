import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { Response } from 'express';
import { priceWorstCase } from '../completion/admit-request';
import type { CompletionDeps } from '../completion/completion-deps';
import { authenticationError } from '../errors/gateway-error';
import { l402Challenge } from './l402-gate';

/**
 * A completion request that arrived without credentials (only possible with L402 enabled) is answered 402 with an
 * invoice for its worst-case cost; one with a caller goes on.
 */
export async function requirePayment(deps: CompletionDeps, request: ChatCompletionRequest, response: Response): Promise<void> {
  if (response.locals['caller']) return;
  if (!deps.l402) throw authenticationError('Missing API key or spend token.', 'missing_api_key');
  await l402Challenge(deps.l402, priceWorstCase(deps, request).worstCaseUsd);
}
