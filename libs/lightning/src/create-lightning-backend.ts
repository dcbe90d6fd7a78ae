import type { LightningBackend } from './lightning-backend';
import { createLnbitsBackend } from './lnbits/lnbits-backend';
import { createLndBackend, readLndMacaroon } from './lnd/lnd-backend';
import { readFileSync } from 'node:fs';

/** The settings that choose and reach a Lightning backend (see libs/config). */
export interface LightningSettings {
  LIGHTNING_BACKEND: 'none' | 'lnd' | 'lnbits';
  LND_REST_URL?: string;
  LND_MACAROON_HEX?: string;
  LND_MACAROON_PATH?: string;
  LND_TLS_CERT_PATH?: string;
  LNBITS_URL?: string;
  LNBITS_API_KEY?: string;
  LIGHTNING_TIMEOUT_MS: number;
}

/** A setting the chosen backend needs is missing: the message names it (never a value). */
export class LightningSettingsError extends Error {
  override readonly name = 'LightningSettingsError';
}

function required<T>(value: T | undefined, name: string, backend: string): T {
  if (value === undefined || value === '') throw new LightningSettingsError(`LIGHTNING_BACKEND=${backend} needs ${name}`);
  return value;
}

/** The configured Lightning backend, or undefined when LIGHTNING_BACKEND is `none` (top-ups are then refused). */
export function createLightningBackend(settings: LightningSettings): LightningBackend | undefined {
  switch (settings.LIGHTNING_BACKEND) {
    case 'none':
      return undefined;
    case 'lnd': {
      const macaroonHex = readLndMacaroon({ hex: settings.LND_MACAROON_HEX, path: settings.LND_MACAROON_PATH });
      return createLndBackend({
        restUrl: required(settings.LND_REST_URL, 'LND_REST_URL', 'lnd'),
        macaroonHex: required(macaroonHex, 'LND_MACAROON_HEX or LND_MACAROON_PATH', 'lnd'),
        tlsCertPem: settings.LND_TLS_CERT_PATH ? readFileSync(settings.LND_TLS_CERT_PATH, 'utf8') : undefined,
        timeoutMs: settings.LIGHTNING_TIMEOUT_MS,
      });
    }
    case 'lnbits':
      return createLnbitsBackend({
        url: required(settings.LNBITS_URL, 'LNBITS_URL', 'lnbits'),
        apiKey: required(settings.LNBITS_API_KEY, 'LNBITS_API_KEY', 'lnbits'),
        timeoutMs: settings.LIGHTNING_TIMEOUT_MS,
      });
  }
}
