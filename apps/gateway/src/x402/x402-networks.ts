/** The networks x402 payments are taken on (X402_NETWORK). */
export type X402NetworkName = 'base' | 'base-sepolia';

/** One network: its names in x402 v1 and v2, its chain, and the USDC contract payments are made in. */
export interface X402Network {
  /** The v1 name (`base`, `base-sepolia`). */
  name: X402NetworkName;
  /** The v2 name: a CAIP-2 chain id. */
  caip2: `eip155:${number}`;
  chainId: number;
  /** USDC's contract: the asset of the requirements and the EIP-712 `verifyingContract` of its authorizations. */
  asset: `0x${string}`;
  /** USDC's EIP-712 domain name and version on that chain (they differ between Base and Base Sepolia). */
  domain: { name: string; version: string };
}

/** USDC on Base and Base Sepolia, as Circle deployed them. */
export const X402_NETWORKS: Readonly<Record<X402NetworkName, X402Network>> = {
  base: { name: 'base', caip2: 'eip155:8453', chainId: 8453, asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', domain: { name: 'USD Coin', version: '2' } },
  'base-sepolia': { name: 'base-sepolia', caip2: 'eip155:84532', chainId: 84532, asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', domain: { name: 'USDC', version: '2' } },
};
