export * from './price-usage';
export * from './money-units';
