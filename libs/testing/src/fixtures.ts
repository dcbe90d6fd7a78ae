import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Recorded provider responses (copied unchanged from shared/fixtures/providers; see that folder's README for their
 * origin and licence): `<provider>/<name>.json` bodies and `<provider>/<name>.chunks.txt` streams.
 */
export const FIXTURES_DIR = path.resolve(__dirname, '../fixtures/providers');

/** A recorded non-streaming response body. */
export function fixtureJson(provider: string, name: string): unknown {
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, provider, `${name}.json`), 'utf8'));
}

/** A recorded stream: one SSE `data:` payload per entry. */
export function fixtureChunks(provider: string, name: string): string[] {
  return readFileSync(path.join(FIXTURES_DIR, provider, `${name}.chunks.txt`), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0);
}
