export * from './money-decimal';
export * from './price-usage';
export * from './money-units';
