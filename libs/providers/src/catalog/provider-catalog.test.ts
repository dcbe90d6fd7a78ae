import { loadCatalog } from '../load-catalog';
import type { ProviderDefinition } from '../provider-definition';
import { PROVIDER_DEFINITIONS } from '../provider-definitions';
import { catalogFromDefinitions } from './provider-catalog';

const definition = (name: string, models: ProviderDefinition['models']): ProviderDefinition => ({
  name,
  models,
  createModel: () => {
    throw new Error('not called');
  },
});
const model = { id: 'acme/fast', upstreamId: 'acme-fast-1', name: 'Acme Fast', prices: { input: '0.5', output: '1.5' }, contextWindow: 128000, maxOutputTokens: 4096 };

describe('the catalog, from the provider folders', () => {
  it('is every registered provider’s models, in registry order, with its provider filled in', () => {
    const catalog = loadCatalog();
    expect([...new Set(catalog.entries.map((entry) => entry.provider))]).toEqual(PROVIDER_DEFINITIONS.map((provider) => provider.name));
    expect(catalog.entries).toHaveLength(PROVIDER_DEFINITIONS.reduce((count, provider) => count + provider.models.length, 0));
    expect(catalog.find('claude-sonnet-4-5')).toMatchObject({ id: 'anthropic/claude-sonnet-4.5', provider: 'anthropic', prices: { input: '3', output: '15', cacheRead: '0.30', cacheWrite: '3.75' } });
  });

  it('takes a provider’s models as it declares them, defaults applied and prices kept as decimal strings', () => {
    const catalog = catalogFromDefinitions([definition('acme', [model])]);
    expect(catalog.find('acme/fast')).toEqual({ ...model, provider: 'acme', aliases: [], imageTokens: 1600 });
  });

  it('names the provider, the entry and the field of a bad model', () => {
    expect(() => catalogFromDefinitions([definition('acme', [{ ...model, prices: { input: '0.5', output: 1.5 as unknown as string } }])])).toThrow(
      /^catalog of provider acme: models\.0\.prices\.output: /,
    );
    expect(() => catalogFromDefinitions([definition('acme', [{ ...model, id: 'openai/fast' }])])).toThrow('catalog of provider acme: openai/fast must start with acme/');
    expect(() => catalogFromDefinitions([definition('acme', [model]), definition('acme2', [{ ...model, id: 'acme2/fast', aliases: ['acme/fast'] }])])).toThrow(
      'catalog: the name acme/fast is used by both acme/fast and acme2/fast',
    );
  });

  it('lets two providers share an upstream id: as a caller’s name it is the first one’s, never another entry’s id or alias', () => {
    const catalog = catalogFromDefinitions([
      definition('acme', [model]),
      definition('acme2', [{ ...model, id: 'acme2/fast' }, { ...model, id: 'acme2/relay', upstreamId: 'acme/fast', aliases: ['acme-relay'] }]),
    ]);
    expect(catalog.find('acme-fast-1')?.id).toBe('acme/fast');
    expect(catalog.find('acme2/fast')?.id).toBe('acme2/fast');
    expect(catalog.find('acme/fast')?.id).toBe('acme/fast');
    expect(catalog.find('acme-relay')?.id).toBe('acme2/relay');    expect(() => catalogFromDefinitions([definition('acme', [model]), definition('acme2', [{ ...model, id: 'acme2/fast', upstreamId: 'acme2-fast', aliases: ['acme-fast-1'] }])])).toThrow(
      'catalog: the name acme-fast-1 is used by both acme/fast and acme2/fast',
    );
  });
});
