export * from './price-usage';
