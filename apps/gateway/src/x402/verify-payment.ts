import { authorizationTypes } from '@x402/evm';
import { verifyTypedData } from 'viem';
import { exactEvmPayload, type ExactEvmPayload, type PresentedPayment } from './presented-payment';
import { X402_REASONS, X402Refusal } from './x402-refusal';
import type { X402Deps } from './x402-deps';

/** A payment whose authorization holds for what was asked: who pays, how much, and its single-use nonce. */
export interface VerifiedPayment {
  /** The payer, lower-case. */
  from: string;
  valueAtomic: bigint;
  nonce: `0x${string}`;
  /** Seconds since the epoch: the authorization is void from then on. */
  validBefore: bigint;
  payload: ExactEvmPayload;
}

const sameAddress = (left: string, right: string) => left.toLowerCase() === right.toLowerCase();

/** The scheme, network, asset and recipient the payment says it was made for must be this gateway's. */
function checkTerms(deps: X402Deps, payment: PresentedPayment, requiredAtomic: bigint): void {
  if (payment.version === 1) {
    if (payment.payload.scheme !== 'exact') throw new X402Refusal(X402_REASONS.unsupportedScheme, `Only the "exact" scheme is accepted, not ${JSON.stringify(payment.payload.scheme)}.`);
    if (payment.payload.network !== deps.network.name) throw new X402Refusal(X402_REASONS.invalidNetwork, `Payments are taken on ${deps.network.name}, not ${JSON.stringify(payment.payload.network)}.`);
    return;
  }
  const accepted = payment.payload.accepted;
  if (accepted.scheme !== 'exact') throw new X402Refusal(X402_REASONS.unsupportedScheme, `Only the "exact" scheme is accepted, not ${JSON.stringify(accepted.scheme)}.`);
  if (accepted.network !== deps.network.caip2) throw new X402Refusal(X402_REASONS.invalidNetwork, `Payments are taken on ${deps.network.caip2}, not ${JSON.stringify(accepted.network)}.`);
  if (!sameAddress(accepted.asset, deps.network.asset)) throw new X402Refusal(X402_REASONS.invalidRequirements, `Payments are taken in USDC (${deps.network.asset}).`);
  if (!sameAddress(accepted.payTo, deps.payTo)) throw new X402Refusal(X402_REASONS.recipientMismatch, `Payments go to ${deps.payTo}.`);
  if (accepted.amount !== requiredAtomic.toString()) throw new X402Refusal(X402_REASONS.value, `This request costs ${requiredAtomic} atomic units, not ${accepted.amount}.`);
}

/**
 * Checks an x402 "exact" payment against what was asked, before anything is spent on the request: scheme and
 * network; the authorization's `to` is X402_PAY_TO; its value is at least the amount (v1, whose requirement is a
 * maximum the client may exceed) or exactly it (v2); validAfter ≤ now < validBefore; and its EIP-3009
 * TransferWithAuthorization signature, over USDC's EIP-712 domain on this chain, recovers `from`. The nonce's single
 * use is claimed afterwards (claimNonce), so that a malformed retry cannot burn a good authorization's nonce.
 * Throws X402Refusal with the x402 error code.
 */
export async function verifyPayment(deps: X402Deps, payment: PresentedPayment, requiredAtomic: bigint): Promise<VerifiedPayment> {
  checkTerms(deps, payment, requiredAtomic);
  const payload = exactEvmPayload(payment);
  const { authorization } = payload;
  if (!sameAddress(authorization.to, deps.payTo)) throw new X402Refusal(X402_REASONS.recipientMismatch, `The authorization pays ${authorization.to}, not ${deps.payTo}.`);
  const value = BigInt(authorization.value);
  if (payment.version === 1 ? value < requiredAtomic : value !== requiredAtomic) {
    throw new X402Refusal(X402_REASONS.value, `The authorization is for ${value} atomic units; this request needs ${payment.version === 1 ? 'at least ' : ''}${requiredAtomic}.`);
  }
  const now = BigInt((deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000)))());
  if (BigInt(authorization.validAfter) > now) throw new X402Refusal(X402_REASONS.validAfter, 'The authorization is not valid yet (validAfter is in the future).');
  if (BigInt(authorization.validBefore) <= now) throw new X402Refusal(X402_REASONS.validBefore, 'The authorization has expired (validBefore has passed).');
  let signed = false;
  try {
    signed = await verifyTypedData({
      address: authorization.from as `0x${string}`,
      domain: { name: deps.network.domain.name, version: deps.network.domain.version, chainId: deps.network.chainId, verifyingContract: deps.network.asset },
      types: authorizationTypes,
      primaryType: 'TransferWithAuthorization',
      message: {
        from: authorization.from as `0x${string}`,
        to: authorization.to as `0x${string}`,
        value,
        validAfter: BigInt(authorization.validAfter),
        validBefore: BigInt(authorization.validBefore),
        nonce: authorization.nonce as `0x${string}`,
      },
      signature: payload.signature as `0x${string}`,
    });
  } catch {
    signed = false; // a signature that does not even parse is as bad as one by someone else
  }
  if (!signed) throw new X402Refusal(X402_REASONS.signature, `The authorization is not signed by ${authorization.from}.`);
  return { from: authorization.from.toLowerCase(), valueAtomic: value, nonce: authorization.nonce as `0x${string}`, validBefore: BigInt(authorization.validBefore), payload };
}
