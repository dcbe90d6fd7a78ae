import type { DeclaredSetting } from '@tollgate/config';
import type { ProviderDefinition } from './provider-definition';

/**
 * The settings the given providers read, for `loadConfig` to validate: each one's base URL (an http(s) URL, with
 * its default), its API key, its comma-separated list of keys (`apiKeys`) and the settings of its named keys
 * (`keys`). Derived from the registry, so a provider's settings are declared once, in its folder. A key setting two
 * providers (or one provider twice) read is declared once; read as one key by one and as a list by another, it is
 * refused (its value cannot be both).
 */
export function providerSettingDeclarations(definitions: readonly ProviderDefinition[]): DeclaredSetting[] {
  const declarations: DeclaredSetting[] = [];
  const secrets = new Map<string, 'secret' | 'secret-list'>();
  const secret = (name: string, kind: 'secret' | 'secret-list' = 'secret'): void => {
    const declared = secrets.get(name);
    if (declared && declared !== kind) throw new Error(`setting ${name} is read both as one key and as a comma-separated list of keys`);
    if (declared) return;
    secrets.set(name, kind);
    declarations.push({ name, kind });
  };
  for (const { settings } of definitions) {
    if (!settings) continue;
    declarations.push({ name: settings.baseUrl, kind: 'url', default: settings.defaultBaseUrl });
    secret(settings.apiKey);
    if (settings.apiKeys) secret(settings.apiKeys, 'secret-list');
    for (const key of settings.keys ?? []) secret(key.env);
  }
  return declarations;
}
