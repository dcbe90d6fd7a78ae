import { readFileSync } from 'node:fs';
import { configSchema } from '@tollgate/config';
import { catalogFromDefinitions } from '../catalog/provider-catalog';
import type { ProviderDefinition } from '../provider-definition';
import { PROVIDER_DEFINITIONS } from '../provider-definitions';
import { fileProviderDefinitions } from './file-provider-definitions';
import { parseProvidersText, problemsError, ProvidersFileError, validateProvidersFile } from './parse-providers-file';

/**
 * The providers a PROVIDERS_FILE declares (JSON, or YAML by its extension), as definitions to serve beside the
 * built-in ones. Throws a ProvidersFileError naming the file, the place (`providers[0].models[1].prices.input`, line
 * 12) and the problem: bad syntax, an unknown or missing field, a model without prices, an id a built-in provider
 * has, a setting another provider or the gateway reads, a model name the catalog already has.
 */
export function readProvidersFile(filePath: string, builtIns: readonly ProviderDefinition[] = PROVIDER_DEFINITIONS): ProviderDefinition[] {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ProvidersFileError(`PROVIDERS_FILE ${filePath} cannot be read (${code})`);
  }
  return parseProvidersFile(text, filePath, builtIns);
}

/** As readProvidersFile, from the file's text; `source` names it in errors and, by its extension, says YAML or JSON. */
export function parseProvidersFile(text: string, source: string, builtIns: readonly ProviderDefinition[] = PROVIDER_DEFINITIONS): ProviderDefinition[] {
  const { data, locator } = parseProvidersText(text, source);
  const file = validateProvidersFile(data, source, locator);
  const { definitions, problems } = fileProviderDefinitions(file, builtIns, new Set(Object.keys(configSchema.shape)));
  if (problems.length > 0) throw problemsError(source, locator, problems);
  try {
    // The catalog the gateway will build: a model name (id, upstream id or alias) two entries use fails here, at start.
    catalogFromDefinitions([...builtIns, ...definitions]);
  } catch (error) {
    throw new ProvidersFileError(`PROVIDERS_FILE ${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return definitions;
}

/**
 * Every provider the gateway serves: the built-in ones, then those of the file PROVIDERS_FILE names (if set). Read
 * before the configuration is loaded, so that the file's settings (keys, base URLs) are declared and validated with
 * the rest.
 */
export function gatewayProviders(env: NodeJS.ProcessEnv, builtIns: readonly ProviderDefinition[] = PROVIDER_DEFINITIONS): ProviderDefinition[] {
  const filePath = env.PROVIDERS_FILE;
  return filePath ? [...builtIns, ...readProvidersFile(filePath, builtIns)] : [...builtIns];
}
