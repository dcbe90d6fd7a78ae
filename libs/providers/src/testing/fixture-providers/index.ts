import path from 'node:path';

/** The throwaway provider folders of the tests: each one a provider folder as `libs/providers/src/<provider>/` is. */
export const FIXTURE_PROVIDERS_DIR = path.resolve(__dirname);

export * from './acme';
