import type { DeclaredSetting } from '@tollgate/config';
import type { ProviderDefinition } from './provider-definition';

/**
 * The settings the given providers read, for `loadConfig` to validate: each one's base URL (an http(s) URL, with
 * its default) and API key. Derived from the registry, so a provider's settings are declared once, in its folder.
 */
export function providerSettingDeclarations(definitions: readonly ProviderDefinition[]): DeclaredSetting[] {
  return definitions.flatMap(({ settings }): DeclaredSetting[] =>
    settings
      ? [
          { name: settings.baseUrl, kind: 'url', default: settings.defaultBaseUrl },
          { name: settings.apiKey, kind: 'secret' },
        ]
      : [],
  );
}
