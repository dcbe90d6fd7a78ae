import type { Request, Response } from 'express';
import type { Caller } from '../auth/caller';
import { GatewayError } from '../errors/gateway-error';
import { settleDebtOnDemand } from './x402-gate';
import type { X402Deps } from './x402-deps';

/**
 * `POST /v1/settle` (Router402's on-demand settlement): a wallet-bound caller (a wallet JWT) pays its outstanding
 * debt over x402. Without a payment: 402 with requirements for the whole committed debt; with one: the settlement is
 * recorded and `{"settled","debt","reference"}` answered (200), debt as the ledger has it now. No debt: 200, nothing
 * settled. 404 when x402 is not enabled; 403 for a caller without a wallet.
 */
export function settleHandler(x402: X402Deps | undefined) {
  return async (_request: Request, response: Response): Promise<void> => {
    if (!x402) throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'not_found', message: 'x402 payments are not enabled on this gateway.' });
    const caller = response.locals['caller'] as Caller;
    if (!caller.walletAddress) {
      throw new GatewayError({ status: 403, type: 'permission_error', code: 'wallet_required', message: 'Only a wallet-bound caller (a token from wallet sign-in) settles its debt over x402.' });
    }
    const result = await settleDebtOnDemand(x402, response, caller);
    response.json({ account_id: caller.accountId, wallet_address: caller.walletAddress, settled_usd: result.settled, debt_usd: result.debt, reference: result.reference });
  };
}
