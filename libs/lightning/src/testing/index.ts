export * from './bolt11-invoice';
export * from './lnbits-stand-in';
export * from './lnd-stand-in';
export * from './stand-in-server';
