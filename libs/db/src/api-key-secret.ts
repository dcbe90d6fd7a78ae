import { createHash, randomBytes } from 'node:crypto';

/** Prefix of every API key tollgate issues. */
export const API_KEY_PREFIX = 'tg_';

/** Prefix of prepaid spend tokens: a key on an account whose credit limit is the prepaid amount. */
export const SPEND_TOKEN_PREFIX = 'tgst_';

/** A new API key: `tg_` + 256 random bits in base64url. Shown once; only its hash is stored. */
export function generateApiKey(prefix: string = API_KEY_PREFIX): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** The SHA-256 (hex) under which a key is stored and looked up. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** What people see of a key in listings: its prefix and first characters, never enough to use it. */
export function displayPrefix(key: string): string {
  return key.slice(0, key.indexOf('_') + 7);
}

const KEY_SHAPE = /^(?:tg|tgst)_[A-Za-z0-9_-]{43}$/;

/** Whether a credential has the shape of a key tollgate issues: anything else is refused without a lookup. */
export function isKeyShaped(credential: string): boolean {
  return KEY_SHAPE.test(credential);
}
