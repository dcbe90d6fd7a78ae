import { randomBytes } from 'node:crypto';
import type { PaymentRequired, PaymentRequirements } from '@x402/core/types';
import { authorizationTypes } from '@x402/evm';
import type { PrivateKeyAccount } from 'viem/accounts';

/** The Base Sepolia USDC domain the tests sign with. */
export const BASE_SEPOLIA = { name: 'base-sepolia', caip2: 'eip155:84532', chainId: 84532, asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', domain: { name: 'USDC', version: '2' } } as const;

/** An EIP-3009 authorization's fields; the tests change one at a time. */
export interface AuthorizationTerms {
  to: `0x${string}`;
  value: bigint;
  validAfter?: bigint;
  validBefore?: bigint;
  nonce?: `0x${string}`;
  chainId?: number;
}

/** A real TransferWithAuthorization signed by `signer` with viem (`from` is `signer` unless given). */
export async function signAuthorization(signer: PrivateKeyAccount, terms: AuthorizationTerms, from: `0x${string}` = signer.address) {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const authorization = {
    from,
    to: terms.to,
    value: terms.value,
    validAfter: terms.validAfter ?? now - 60n,
    validBefore: terms.validBefore ?? now + 300n,
    nonce: terms.nonce ?? (`0x${randomBytes(32).toString('hex')}` as `0x${string}`),
  };
  const signature = await signer.signTypedData({
    domain: { name: BASE_SEPOLIA.domain.name, version: BASE_SEPOLIA.domain.version, chainId: terms.chainId ?? BASE_SEPOLIA.chainId, verifyingContract: BASE_SEPOLIA.asset },
    types: authorizationTypes,
    primaryType: 'TransferWithAuthorization',
    message: authorization,
  });
  return {
    signature,
    authorization: { ...authorization, value: authorization.value.toString(), validAfter: authorization.validAfter.toString(), validBefore: authorization.validBefore.toString() },
  };
}

const base64Json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

/** An x402 v1 `X-PAYMENT` header, built by hand. */
export async function v1PaymentHeader(signer: PrivateKeyAccount, terms: AuthorizationTerms, network = 'base-sepolia'): Promise<Record<string, string>> {
  const payload = await signAuthorization(signer, terms);
  return { 'X-PAYMENT': base64Json({ x402Version: 1, scheme: 'exact', network, payload }) };
}

/** An x402 v2 `PAYMENT-SIGNATURE` header for the requirements `accepted`, built by hand. */
export async function v2PaymentHeader(signer: PrivateKeyAccount, accepted: PaymentRequirements, terms: AuthorizationTerms): Promise<Record<string, string>> {
  const payload = await signAuthorization(signer, terms);
  return { 'PAYMENT-SIGNATURE': base64Json({ x402Version: 2, accepted, payload }) };
}

/** The v2 requirements of a 402's `PAYMENT-REQUIRED` header. */
export function paymentRequiredHeader(response: Response): PaymentRequired {
  const header = response.headers.get('payment-required');
  if (!header) throw new Error('no PAYMENT-REQUIRED header');
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PaymentRequired;
}
