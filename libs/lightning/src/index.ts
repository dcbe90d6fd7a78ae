export * from './create-lightning-backend';
export * from './lightning-backend';
export * from './lnbits/lnbits-backend';
export * from './lnd/lnd-backend';
export * from './btc-usd-rate';
