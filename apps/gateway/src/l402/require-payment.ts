import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { Response } from 'express';
import type { Caller } from '../auth/caller';
import { priceWorstCase } from '../completion/admit-request';
import type { CompletionDeps } from '../completion/completion-deps';
import { authenticationError, GatewayError } from '../errors/gateway-error';
import { completionAsk, payPerRequest, settleDebtIfDue } from '../x402/x402-gate';
import { l402Challenge } from './l402-gate';

/** L402's challenge header for the same 402 as x402's; a Lightning backend that fails leaves x402 alone on offer. */
async function l402ChallengeHeaders(deps: CompletionDeps, worstCaseUsd: string, requestId: string): Promise<Record<string, string>> {
  if (!deps.l402) return {};
  try {
    await l402Challenge(deps.l402, worstCaseUsd);
  } catch (error) {
    if (error instanceof GatewayError && error.status === 402 && error.headers['www-authenticate']) return { 'www-authenticate': error.headers['www-authenticate'] };
    deps.logger.warn({ err: error, requestId }, 'no L402 invoice for this 402: x402 alone is offered');
  }
  return {};
}

/**
 * Payment before admission, priced at the request's worst case:
 * - no caller (no credential; only let through with L402 or x402 enabled): with x402, a request carrying a payment
 *   pays for itself and its payer's wallet account becomes the caller, one without gets 402 with x402's requirements
 *   (body and `PAYMENT-REQUIRED`) — plus L402's `WWW-Authenticate` invoice when L402 is enabled too, the body staying
 *   x402's; with L402 alone, 402 with the invoice;
 * - a wallet-bound caller (a wallet JWT) with x402 enabled: admitted against its debt limit, its debt settled over
 *   x402 when it pays (settleDebtIfDue), asked for when admission refuses it for funds (refusedForDebt);
 * - any other caller goes on.
 */
export async function requirePayment(deps: CompletionDeps, request: ChatCompletionRequest, response: Response): Promise<void> {
  const caller = response.locals['caller'] as Caller | undefined;
  if (caller) {
    if (deps.x402 && caller.walletAddress && caller.authMethod !== 'x402') {
      response.locals['caller'] = await settleDebtIfDue(deps.x402, response, caller, priceWorstCase(deps, request).worstCaseUsd, request.stream === true);
    }
    return;
  }
  if (!deps.l402 && !deps.x402) throw authenticationError('Missing API key or spend token.', 'missing_api_key');
  const { worstCaseUsd } = priceWorstCase(deps, request);
  if (deps.x402) {
    const ask = completionAsk(response.req, worstCaseUsd, request.stream === true);
    response.locals['caller'] = await payPerRequest(deps.x402, response, ask, () => l402ChallengeHeaders(deps, worstCaseUsd, response.locals['requestId'] as string));
    return;
  }
  if (deps.l402) await l402Challenge(deps.l402, worstCaseUsd);
}
