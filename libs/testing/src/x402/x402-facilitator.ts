import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorizationTypes } from '@x402/evm';
import { verifyTypedData } from 'viem';

/** What the loopback facilitator was asked, in order. */
export interface FacilitatorCall {
  path: '/verify' | '/settle';
  body: { x402Version: number; paymentPayload: Record<string, unknown>; paymentRequirements: Record<string, unknown> };
}

/** A loopback x402 facilitator (its `/verify` and `/settle`), checking payments itself. */
export interface LoopbackFacilitator {
  url: string;
  calls: FacilitatorCall[];
  /** The transactions /settle answered, by authorization nonce. */
  transactions: Map<string, string>;
  /** Set to an x402 reason: the next /settle fails with it (once), as a chain that reverts would. */
  failNextSettle?: string;
  close(): Promise<void>;
}

const CHAIN_IDS: Record<string, number> = { base: 8453, 'base-sepolia': 84532, 'eip155:8453': 8453, 'eip155:84532': 84532 };

interface Authorization {
  from: `0x${string}`;
  to: `0x${string}`;
  value: string;
  validAfter: string;
  validBefore: string;
  nonce: `0x${string}`;
}

/**
 * The exact scheme's checks as a facilitator makes them (x402's `/verify`): recipient, amount, time window and the
 * EIP-3009 signature over the asset's EIP-712 domain (from the requirements' `extra`). Returns the x402 reason of
 * the first that fails, or undefined.
 */
async function invalidReason(body: FacilitatorCall['body']): Promise<string | undefined> {
  const requirements = body.paymentRequirements as { network: string; payTo: string; asset: `0x${string}`; maxAmountRequired?: string; amount?: string; extra?: { name: string; version: string } };
  const payload = body.paymentPayload['payload'] as { authorization: Authorization; signature: `0x${string}` };
  const { authorization, signature } = payload;
  const chainId = CHAIN_IDS[requirements.network];
  if (!chainId) return 'invalid_network';
  if (authorization.to.toLowerCase() !== requirements.payTo.toLowerCase()) return 'invalid_exact_evm_payload_recipient_mismatch';
  if (BigInt(authorization.value) < BigInt(requirements.amount ?? requirements.maxAmountRequired ?? '0')) return 'invalid_exact_evm_payload_authorization_value';
  const now = BigInt(Math.floor(Date.now() / 1000));
  if (BigInt(authorization.validBefore) <= now) return 'invalid_exact_evm_payload_authorization_valid_before';
  if (BigInt(authorization.validAfter) > now) return 'invalid_exact_evm_payload_authorization_valid_after';
  const valid = await verifyTypedData({
    address: authorization.from,
    domain: { name: requirements.extra?.name, version: requirements.extra?.version, chainId, verifyingContract: requirements.asset },
    types: authorizationTypes,
    primaryType: 'TransferWithAuthorization',
    message: { ...authorization, value: BigInt(authorization.value), validAfter: BigInt(authorization.validAfter), validBefore: BigInt(authorization.validBefore) },
    signature,
  }).catch(() => false);
  return valid ? undefined : 'invalid_exact_evm_payload_signature';
}

/** Starts a facilitator on a loopback port: /verify checks the payment, /settle checks it again and "mines" a fake transaction. */
export async function startLoopbackFacilitator(): Promise<LoopbackFacilitator> {
  const calls: FacilitatorCall[] = [];
  const transactions = new Map<string, string>();
  let facilitator: LoopbackFacilitator | undefined = undefined;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const path = request.url as FacilitatorCall['path'];
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FacilitatorCall['body'];
        calls.push({ path, body });
        const authorization = (body.paymentPayload['payload'] as { authorization: Authorization }).authorization;
        const network = String(body.paymentRequirements['network']);
        const reason = await invalidReason(body);
        response.setHeader('content-type', 'application/json');
        if (path === '/verify') {
          response.end(JSON.stringify(reason ? { isValid: false, invalidReason: reason, payer: authorization.from } : { isValid: true, payer: authorization.from }));
          return;
        }
        const failure = reason ?? (transactions.has(authorization.nonce) ? 'invalid_exact_evm_nonce_already_used' : facilitator?.failNextSettle);
        if (failure) {
          if (facilitator && failure === facilitator.failNextSettle) facilitator.failNextSettle = undefined;
          response.end(JSON.stringify({ success: false, errorReason: failure, transaction: '', network, payer: authorization.from }));
          return;
        }
        const transaction = `0x${randomBytes(32).toString('hex')}`;
        transactions.set(authorization.nonce, transaction);
        response.end(JSON.stringify({ success: true, transaction, network, payer: authorization.from }));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  facilitator = {
    url: `http://127.0.0.1:${port}`,
    calls,
    transactions,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return facilitator;
}
