import { z } from 'zod';
import type { ProviderDefinition } from '../provider-definition';
import { catalogEntrySchema, ModelCatalog, type CatalogEntry } from './model-catalog';

/**
 * The catalog the providers declare: each definition's models, in registry order, with `provider` filled in. An
 * invalid entry fails with a message naming the provider, the entry and the field; an id must start with the
 * provider's name (`openai/gpt-4o`), so a model cannot be listed under another provider.
 */
export function catalogFromDefinitions(definitions: readonly ProviderDefinition[]): ModelCatalog {
  const entries: CatalogEntry[] = [];
  for (const definition of definitions) {
    const parsed = z.array(catalogEntrySchema).safeParse(definition.models.map((model) => ({ ...model, provider: definition.name })));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`catalog of provider ${definition.name}: models.${issue?.path.join('.')}: ${issue?.message}`);
    }
    for (const entry of parsed.data) {
      if (!entry.id.startsWith(`${definition.name}/`)) throw new Error(`catalog of provider ${definition.name}: ${entry.id} must start with ${definition.name}/`);
      entries.push(entry);
    }
  }
  return new ModelCatalog(entries);
}
