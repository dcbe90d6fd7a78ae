import { createHash, randomBytes } from 'node:crypto';
import { encode, sign } from 'bolt11';

/** Regtest, so no test invoice can ever be paid on a real network. */
const REGTEST = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0] };

/** A real, signed BOLT11 invoice and its secret, as a Lightning node would make them. */
export interface IssuedInvoice {
  paymentRequest: string;
  paymentHash: string;
  preimage: string;
}

/** Encodes and signs a regtest BOLT11 invoice with the node's key; payment hash = sha256(a random preimage). */
export function issueBolt11Invoice(input: { nodeKey: Buffer; amountSats: number; memo: string; expirySeconds: number; createdAt: Date }): IssuedInvoice {
  const preimage = randomBytes(32);
  const paymentHash = createHash('sha256').update(preimage).digest('hex');
  const unsigned = encode(
    {
      network: REGTEST,
      satoshis: input.amountSats,
      timestamp: Math.floor(input.createdAt.getTime() / 1000),
      tags: [
        { tagName: 'payment_hash', data: paymentHash },
        { tagName: 'payment_secret', data: randomBytes(32).toString('hex') },
        { tagName: 'description', data: input.memo },
        { tagName: 'expire_time', data: input.expirySeconds },
        // Bits 9 and 14: var_onion_optin and payment_secret required, as current nodes issue them.
        { tagName: 'feature_bits', data: { word_length: 4, var_onion_optin: { required: true, supported: true }, payment_secret: { required: true, supported: true } } },
      ],
    },
    false,
  );
  const signed = sign(unsigned, input.nodeKey);
  if (!signed.paymentRequest) throw new Error('bolt11 did not produce a payment request');
  return { paymentRequest: signed.paymentRequest, paymentHash, preimage: preimage.toString('hex') };
}
