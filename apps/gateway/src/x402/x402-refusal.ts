/**
 * Why a payment was refused, in the x402 specification's error codes (`ErrorReasons` of x402 v1; the nonce code is
 * the one @x402/evm's facilitator uses), so that x402 clients and facilitators read the same words.
 */
export const X402_REASONS = {
  invalidPayload: 'invalid_payload',
  invalidVersion: 'invalid_x402_version',
  unsupportedScheme: 'unsupported_scheme',
  invalidNetwork: 'invalid_network',
  invalidRequirements: 'invalid_payment_requirements',
  recipientMismatch: 'invalid_exact_evm_payload_recipient_mismatch',
  value: 'invalid_exact_evm_payload_authorization_value',
  validAfter: 'invalid_exact_evm_payload_authorization_valid_after',
  validBefore: 'invalid_exact_evm_payload_authorization_valid_before',
  signature: 'invalid_exact_evm_payload_signature',
  nonceUsed: 'invalid_exact_evm_nonce_already_used',
  unexpectedVerify: 'unexpected_verify_error',
  unexpectedSettle: 'unexpected_settle_error',
} as const;

/** A payment that does not pay for the request: answered 402 with the requirements again and `reason` as the error. */
export class X402Refusal extends Error {
  override readonly name = 'X402Refusal';
  constructor(
    /** An x402 error code (X402_REASONS, or a facilitator's own). */
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}
