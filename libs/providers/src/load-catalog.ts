import { readCatalogFile, type ModelCatalog } from './catalog/model-catalog';
import { catalogFromDefinitions } from './catalog/provider-catalog';
import type { ProviderDefinition } from './provider-definition';
import { PROVIDER_DEFINITIONS } from './provider-definitions';

/**
 * The catalog the gateway sells: the file at `catalogPath` when given (CATALOG_PATH, which replaces it whole), else
 * the models every registered provider declares in its folder.
 */
export function loadCatalog(catalogPath?: string, definitions: readonly ProviderDefinition[] = PROVIDER_DEFINITIONS): ModelCatalog {
  return catalogPath ? readCatalogFile(catalogPath) : catalogFromDefinitions(definitions);
}
