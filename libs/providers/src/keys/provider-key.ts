import { createHash } from 'node:crypto';
import { splitSecretList } from '@tollgate/config';
import type { ProviderSettingNames } from '../provider-definition';
import { registerProviderSecret } from '../provider-error';

/**
 * One key of a provider: the secret sent upstream, the stable name logs and metering events know it by (never the
 * secret), and its share of the provider's requests.
 */
export interface ProviderKey {
  /** `<provider>#<first 8 hex digits of sha256(key)>` for a key from a setting, the given name for a named key. */
  readonly name: string;
  readonly secret: string;
  /** Relative share of requests (default 1). */
  readonly weight: number;
}

/** The name of a key read from `<PREFIX>_API_KEY(S)`: the provider and a fingerprint that cannot be turned back into the key. */
export function fingerprintKeyName(provider: string, secret: string): string {
  return `${provider}#${createHash('sha256').update(secret).digest('hex').slice(0, 8)}`;
}

/**
 * A provider's keys from its settings, in order: `apiKey`, the entries of `apiKeys`, then the named `keys` whose
 * setting is set. A key given twice (in two settings) counts once, under its first name; every key is registered so
 * that no ProviderError message can carry it. Throws (at start) on a weight that is not a positive number or a
 * name used twice.
 */
export function readProviderKeys(provider: string, names: ProviderSettingNames, settings: Readonly<Record<string, string | number | undefined>>): ProviderKey[] {
  const keys: ProviderKey[] = [];
  const add = (name: string, secret: string, weight = 1): void => {
    if (!(Number.isFinite(weight) && weight > 0)) throw new Error(`provider ${provider}: key ${name} has weight ${String(weight)}, which is not a positive number`);
    if (keys.some((key) => key.secret === secret)) return;
    if (keys.some((key) => key.name === name)) throw new Error(`provider ${provider}: two keys are named ${name}`);
    registerProviderSecret(secret);
    keys.push({ name, secret, weight });
  };
  const single = settingValue(settings, names.apiKey);
  if (single) add(fingerprintKeyName(provider, single), single);
  const list = names.apiKeys ? settingValue(settings, names.apiKeys) : undefined;
  // loadConfig has refused a list with empty entries; these filters only keep a list given some other way harmless.
  if (list) for (const secret of splitSecretList(list).filter(Boolean)) add(fingerprintKeyName(provider, secret), secret);
  for (const named of names.keys ?? []) {
    const secret = settingValue(settings, named.env);
    if (secret) add(named.name, secret, named.weight);
  }
  return keys;
}

function settingValue(settings: Readonly<Record<string, string | number | undefined>>, name: string): string | undefined {
  const value = settings[name];
  return value === undefined || value === '' ? undefined : String(value);
}
