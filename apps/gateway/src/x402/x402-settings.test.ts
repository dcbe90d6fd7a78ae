import { loadConfig } from '@tollgate/config';
import { X402_NETWORKS } from './x402-networks';

describe('x402 settings', () => {
  it('reads X402_* with their defaults', () => {
    const config = loadConfig({ X402_PAY_TO: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C', X402_NETWORK: 'base', X402_DEBT_THRESHOLD: '5.25' });
    expect(config).toMatchObject({ X402_PAY_TO: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C', X402_NETWORK: 'base', X402_DEBT_THRESHOLD: '5.25', X402_MAX_TIMEOUT_SECONDS: 300 });
    expect(config.X402_FACILITATOR_URL).toBeUndefined();
  });

  it('names a bad setting without quoting it', () => {
    expect(() => loadConfig({ X402_PAY_TO: '0x1234' })).toThrow(/X402_PAY_TO: must be an 0x address/);
    expect(() => loadConfig({ X402_NETWORK: 'ethereum' })).toThrow(/X402_NETWORK: must be one of base, base-sepolia/);
    expect(() => loadConfig({ X402_FACILITATOR_URL: 'ftp://facilitator' })).toThrow(/X402_FACILITATOR_URL/);
    expect(() => loadConfig({ X402_DEBT_THRESHOLD: '-1' })).toThrow(/X402_DEBT_THRESHOLD/);
    expect(() => loadConfig({ X402_MAX_TIMEOUT_SECONDS: '0' })).toThrow(/X402_MAX_TIMEOUT_SECONDS/);
  });

  it('knows USDC and its EIP-712 domain on each network', () => {
    expect(X402_NETWORKS.base).toEqual({ name: 'base', caip2: 'eip155:8453', chainId: 8453, asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', domain: { name: 'USD Coin', version: '2' } });
    expect(X402_NETWORKS['base-sepolia']).toEqual({ name: 'base-sepolia', caip2: 'eip155:84532', chainId: 84532, asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', domain: { name: 'USDC', version: '2' } });
  });
});
