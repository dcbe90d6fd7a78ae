import { readFileSync } from 'node:fs';
import { modelPricesSchema, type ModelPrices } from '@tollgate/schemas';
import { z } from 'zod';
import bundledCatalog from './models.json';

/** One model the gateway sells: where it is served, what it costs, how much it can take. */
export const catalogEntrySchema = z.object({
  /** `provider/model`, the canonical name (`anthropic/claude-sonnet-4.5`). */
  id: z.string().regex(/^[a-z0-9-]+\/[A-Za-z0-9._-]+$/, 'ids are provider/model'),
  provider: z.string().min(1),
  /** The provider's own id, also accepted as a model name (`claude-sonnet-4-5-20250929`). */
  upstreamId: z.string().min(1),
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  prices: modelPricesSchema,
  contextWindow: z.number().int().positive(),
  maxOutputTokens: z.number().int().positive(),
});
export type CatalogEntry = z.infer<typeof catalogEntrySchema>;

export const catalogFileSchema = z.object({ models: z.array(catalogEntrySchema).min(1) });

/** The models on offer, addressable by id, upstream id or alias. */
export class ModelCatalog {
  private readonly byName = new Map<string, CatalogEntry>();

  constructor(readonly entries: readonly CatalogEntry[]) {
    for (const entry of entries) {
      for (const name of [entry.id, entry.upstreamId, ...entry.aliases]) {
        const existing = this.byName.get(name);
        if (existing && existing !== entry) {
          throw new Error(`catalog: the name ${name} is used by both ${existing.id} and ${entry.id}`);
        }
        this.byName.set(name, entry);
      }
    }
  }

  /** The entry a caller's model name refers to, or undefined. */
  find(name: string): CatalogEntry | undefined {
    return this.byName.get(name);
  }
}

/** Reads a catalog file (JSON), validating it; the message names the file and the bad field. */
export function parseCatalog(data: unknown, source: string): ModelCatalog {
  const parsed = catalogFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`catalog ${source}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return new ModelCatalog(parsed.data.models);
}

/** The bundled catalog, or the file at `catalogPath` when given (CATALOG_PATH). */
export function loadCatalog(catalogPath?: string): ModelCatalog {
  if (!catalogPath) return parseCatalog(bundledCatalog, 'bundled models.json');
  return parseCatalog(JSON.parse(readFileSync(catalogPath, 'utf8')), catalogPath);
}

export type { ModelPrices };
