export * from './x402-facilitator';
export * from './x402-payments';
