import { isHex, verifyMessage, verifyTypedData, type Hex } from 'viem';
import { parseSiweMessage } from 'viem/siwe';
import { z } from 'zod';
import { authenticationError, invalidRequest } from '../errors/gateway-error';
import { NONCE_PATTERN, type SignInNonces } from './sign-in-nonces';

/**
 * The EIP-712 domain of tollgate's typed-data sign-in: fixed, with no chain id, so that a wallet on any chain can sign
 * in (as with EIP-4361, where the chain id is any). The signed message names this gateway's domain instead.
 */
export const SIGN_IN_TYPED_DATA_DOMAIN = { name: 'tollgate', version: '1' } as const;

/**
 * The EIP-712 types of tollgate's typed-data sign-in, primary type `SignIn`: the wallet's `address`, the gateway's
 * `domain` (its Host, or AUTHORIZE_DOMAIN), the `nonce` from GET /v1/authorize/nonce and `issuedAt` (ISO 8601).
 */
export const SIGN_IN_TYPES = {
  SignIn: [
    { name: 'address', type: 'address' },
    { name: 'domain', type: 'string' },
    { name: 'nonce', type: 'string' },
    { name: 'issuedAt', type: 'string' },
  ],
} as const;

/** How far in the future a signed `issuedAt` may be: clocks differ, but not by minutes. */
const CLOCK_SKEW_MS = 60_000;

const signature = z.string().max(1_000).refine((value) => isHex(value) && value.length > 2, 'must be a 0x-prefixed hex signature');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address');

/** `POST /v1/authorize` with an EIP-4361 message and its signature. */
export const siweSignInSchema = z.strictObject({ message: z.string().min(1).max(4_096), signature });

/** `POST /v1/authorize` with EIP-712 typed data (SIGN_IN_TYPED_DATA_DOMAIN, SIGN_IN_TYPES) and its signature. */
export const typedDataSignInSchema = z.strictObject({
  typedData: z.object({
    // What the client says the domain, types and primary type are is not trusted: the signature is checked against
    // tollgate's own, so typed data signed under any other would simply not verify.
    domain: z.unknown().optional(),
    types: z.unknown().optional(),
    primaryType: z.literal('SignIn').optional(),
    message: z.strictObject({ address, domain: z.string().min(1).max(255), nonce: z.string().regex(NONCE_PATTERN, 'must be a nonce from GET /v1/authorize/nonce'), issuedAt: z.iso.datetime({ offset: true }) }),
  }),
  signature,
});

const refused = (message: string, code: string) => authenticationError(message, code);

/** Checks a signed sign-in's time fields: not issued in the future, not expired, valid already. */
function checkTimes(times: { issuedAt?: Date; expirationTime?: Date; notBefore?: Date }, now: number): void {
  if (times.issuedAt && times.issuedAt.getTime() > now + CLOCK_SKEW_MS) throw refused('The sign-in message is issued in the future.', 'invalid_sign_in_time');
  if (times.expirationTime && times.expirationTime.getTime() <= now) throw refused('The sign-in message has expired.', 'expired_sign_in');
  if (times.notBefore && times.notBefore.getTime() > now + CLOCK_SKEW_MS) throw refused('The sign-in message is not valid yet.', 'invalid_sign_in_time');
}

/** Consumes the nonce after the signature checked out: a bad signature does not burn a client's nonce. */
async function consumeNonce(nonces: SignInNonces, nonce: string): Promise<void> {
  if (!(await nonces.consume(nonce))) throw refused('The sign-in nonce is unknown, expired or already used: get a new one from GET /v1/authorize/nonce.', 'invalid_nonce');
}

/**
 * Verifies an EIP-4361 sign-in: the message parses, names `domain`, is within its time window, is signed by the
 * address it names (viem, EOA signature), and its nonce is consumed (once). Returns the wallet address.
 */
export async function verifySiweSignIn(input: z.infer<typeof siweSignInSchema>, expected: { domain: string; nonces: SignInNonces; now?: number }): Promise<string> {
  const message = parseSiweMessage(input.message);
  if (!message.address || !message.domain || !message.nonce || !message.uri || message.version !== '1' || message.chainId === undefined) {
    throw invalidRequest('message is not an EIP-4361 sign-in message (it needs domain, address, URI, version 1, chain ID and nonce).', 'message', 'invalid_sign_in_message');
  }
  if (message.domain !== expected.domain) throw refused(`The sign-in message is for ${message.domain.slice(0, 100)}, not ${expected.domain}.`, 'wrong_sign_in_domain');
  checkTimes(message, expected.now ?? Date.now());
  const valid = await verifyMessage({ address: message.address, message: input.message, signature: input.signature as Hex }).catch(() => false);
  if (!valid) throw refused('The signature does not match the sign-in message and its address.', 'invalid_signature');
  await consumeNonce(expected.nonces, message.nonce);
  return message.address;
}

/** Verifies an EIP-712 sign-in against tollgate's fixed domain and types, as verifySiweSignIn does. Returns the address. */
export async function verifyTypedDataSignIn(input: z.infer<typeof typedDataSignInSchema>, expected: { domain: string; nonces: SignInNonces; now?: number }): Promise<string> {
  const signed = input.typedData.message;
  if (signed.domain !== expected.domain) throw refused(`The sign-in is for ${signed.domain.slice(0, 100)}, not ${expected.domain}.`, 'wrong_sign_in_domain');
  checkTimes({ issuedAt: new Date(signed.issuedAt) }, expected.now ?? Date.now());
  const valid = await verifyTypedData({
    address: signed.address as Hex,
    domain: SIGN_IN_TYPED_DATA_DOMAIN,
    types: SIGN_IN_TYPES,
    primaryType: 'SignIn',
    message: { ...signed, address: signed.address as Hex },
    signature: input.signature as Hex,
  }).catch(() => false);
  if (!valid) throw refused('The signature does not match the typed data and its address.', 'invalid_signature');
  await consumeNonce(expected.nonces, signed.nonce);
  return signed.address;
}
