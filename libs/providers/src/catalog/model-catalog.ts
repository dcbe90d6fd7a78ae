import { readFileSync } from 'node:fs';
import { modelPricesSchema, type ModelPrices } from '@tollgate/schemas';
import { z } from 'zod';
import { cheaperTokenClass, priceTierSchema } from './price-tiers';

/**
 * Tokens one image is assumed to cost at most, when the catalog entry does not say: Claude's maximum per image
 * (about 1,600 tokens, an image is scaled down to fit ~1.15 megapixels). Gemini 2.5 bills 258 tokens per 768px tile;
 * 1,600 is assumed for it too rather than modelling its tiling, which leaves room for about six tiles.
 */
export const DEFAULT_IMAGE_TOKENS = 1600;

const catalogEntryFields = z.object({
  /** `provider/model`, the canonical name (`anthropic/claude-sonnet-4.5`). */
  id: z.string().regex(/^[a-z0-9-]+\/[A-Za-z0-9._-]+$/, 'ids are provider/model'),
  provider: z.string().min(1),
  /** The provider's own id, also accepted as a model name (`claude-sonnet-4-5-20250929`). */
  upstreamId: z.string().min(1),
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  /** Prices of a prompt within the first tier (or of every prompt, when there are no `priceTiers`). */
  prices: modelPricesSchema,
  /** Higher prices for long prompts, ascending by `aboveInputTokens`; see `pricesFor`. */
  priceTiers: z
    .array(priceTierSchema)
    .min(1)
    .refine((tiers) => tiers.every((tier, index) => index === 0 || tier.aboveInputTokens > tiers[index - 1].aboveInputTokens), {
      message: 'price tiers must be sorted by aboveInputTokens, ascending, each threshold once',
    })
    .optional(),
  /** The most prompt tokens one image may cost at this provider: the input bound counts this per image. */
  imageTokens: z.number().int().positive().default(DEFAULT_IMAGE_TOKENS),
  contextWindow: z.number().int().positive(),
  maxOutputTokens: z.number().int().positive(),
});

/** One model the gateway sells: where it is served, what it costs, how much it can take. */
export const catalogEntrySchema = catalogEntryFields.superRefine((entry, context) => {
  // Each tier costs at least the one below it in every token class, so the prices for an upper bound of the prompt
  // are the most a request can cost (see pricesFor).
  let previous = entry.prices;
  for (const [index, tier] of (entry.priceTiers ?? []).entries()) {
    const cheaper = cheaperTokenClass(previous, tier.prices);
    if (cheaper) {
      const message = 'a price tier may not be cheaper than the one below it';
      context.addIssue({ code: 'custom', path: ['priceTiers', index, 'prices', cheaper], message });
    }
    previous = tier.prices;
  }
});
export type CatalogEntry = z.infer<typeof catalogEntrySchema>;
/** A catalog entry as written in a file (defaults not yet applied). */
export type CatalogEntryInput = z.input<typeof catalogEntrySchema>;

export const catalogFileSchema = z.object({ models: z.array(catalogEntrySchema).min(1) });

/**
 * The models on offer, addressable by id, alias or upstream id. Ids and aliases name one entry each (a name given
 * twice fails). An upstream id is the provider's own name, which two endpoints may well share (two vLLM servers of
 * one model, OpenRouter's `openai/gpt-4o` beside tollgate's own, an Azure deployment of `gpt-4o`): as a caller's name
 * it refers to the first entry declaring it (registry order: built-in providers, then PROVIDERS_FILE's), and never
 * to another entry's id or alias.
 */
export class ModelCatalog {
  private readonly byName = new Map<string, CatalogEntry>();

  constructor(readonly entries: readonly CatalogEntry[]) {
    for (const entry of entries) {
      for (const name of [entry.id, ...entry.aliases]) {
        const existing = this.byName.get(name);
        if (existing && existing !== entry) {
          throw new Error(`catalog: the name ${name} is used by both ${existing.id} and ${entry.id}`);
        }
        this.byName.set(name, entry);
      }
    }
    const byUpstreamId = new Map<string, CatalogEntry>();
    for (const entry of entries) if (!byUpstreamId.has(entry.upstreamId)) byUpstreamId.set(entry.upstreamId, entry);
    // An alias is a name chosen for callers: it may not take over another model's upstream id (`gpt-4o`) either.
    for (const entry of entries) {
      for (const alias of entry.aliases) {
        const existing = byUpstreamId.get(alias);
        if (existing && existing !== entry) throw new Error(`catalog: the name ${alias} is used by both ${existing.id} and ${entry.id}`);
      }
    }
    for (const [upstreamId, entry] of byUpstreamId) if (!this.byName.has(upstreamId)) this.byName.set(upstreamId, entry);
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

/** Reads a catalog file (JSON) at `catalogPath` (CATALOG_PATH), validating it. */
export function readCatalogFile(catalogPath: string): ModelCatalog {
  return parseCatalog(JSON.parse(readFileSync(catalogPath, 'utf8')), catalogPath);
}

export type { ModelPrices };
