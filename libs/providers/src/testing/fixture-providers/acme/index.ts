export * from './acme-provider';
export * from './testing/acme-recordings';
