import { ModelCatalog, readCatalogFile } from './catalog/model-catalog';
import { catalogFromDefinitions } from './catalog/provider-catalog';
import { isFileProvider } from './file-providers/file-provider-definitions';
import type { ProviderDefinition } from './provider-definition';
import { PROVIDER_DEFINITIONS } from './provider-definitions';

/**
 * The catalog the gateway sells: the file at `catalogPath` when given (CATALOG_PATH, which replaces the built-in
 * providers' models whole), else the models every registered provider declares in its folder. The models of
 * providers read from a PROVIDERS_FILE are sold either way: that file is where their prices are.
 */
export function loadCatalog(catalogPath?: string, definitions: readonly ProviderDefinition[] = PROVIDER_DEFINITIONS): ModelCatalog {
  if (!catalogPath) return catalogFromDefinitions(definitions);
  const catalog = readCatalogFile(catalogPath);
  const fileProviders = definitions.filter(isFileProvider);
  return fileProviders.length === 0 ? catalog : new ModelCatalog([...catalog.entries, ...catalogFromDefinitions(fileProviders).entries]);
}
