import { randomBytes } from 'node:crypto';

/** A name no other test uses (queue names, spool folders): `<prefix>-<random hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
