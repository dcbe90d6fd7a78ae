import type { Request } from 'express';

/**
 * Router402's VS Code extension names its wallet in a bare `X-Wallet-Address` header. That is never a credential
 * (anyone can name anyone's wallet): the request is refused as if the header were absent, saying how to sign in.
 */
export const WALLET_HEADER_MESSAGE =
  'X-Wallet-Address is not a credential: sign in with that wallet instead. GET /v1/authorize/nonce, sign an ' +
  'EIP-4361 (Sign-In with Ethereum) message containing the nonce, POST /v1/authorize {"message","signature"}, then ' +
  'send the token it returns as "Authorization: Bearer <token>". API keys and spend tokens work as before.';

/** The sign-in hint for a request that names a wallet in `X-Wallet-Address` instead of a credential (401 or 402). */
export function walletHeaderHint(request: Request): string | undefined {
  return request.get('x-wallet-address') ? WALLET_HEADER_MESSAGE : undefined;
}
