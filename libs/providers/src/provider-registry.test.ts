import { loadCatalog } from './load-catalog';
import { PROVIDER_DEFINITIONS } from './provider-definitions';
import { ProviderRegistry, truncateModelName, UnknownModelError } from './provider-registry';

describe('UnknownModelError', () => {
  it('quotes a short name whole', () => {
    expect(new UnknownModelError('gpt-5-ultra').message).toBe('The model `gpt-5-ultra` does not exist or you do not have access to it.');
  });

  it('quotes a 900 KB name cut to its first 100 characters, in the message and in `model`', async () => {
    const huge = 'm'.repeat(900 * 1024);
    const registry = new ProviderRegistry(loadCatalog(), PROVIDER_DEFINITIONS, {});
    try {
      let thrown: unknown;
      try {
        registry.resolve(huge);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UnknownModelError);
      const error = thrown as UnknownModelError;
      expect(error.message).toBe(`The model \`${'m'.repeat(100)}…\` does not exist or you do not have access to it.`);
      expect(error.message.length).toBeLessThan(200);
      expect(error.model).toBe(`${'m'.repeat(100)}…`);
    } finally {
      await registry.close();
    }
  });

  it('never cuts a surrogate pair in half', () => {
    const name = `${'a'.repeat(99)}😀${'b'.repeat(10)}`; // the emoji straddles the 100th character
    expect(truncateModelName(name)).toBe(`${'a'.repeat(99)}…`);
    expect(truncateModelName('a'.repeat(100))).toBe('a'.repeat(100));
  });
});

describe('ProviderRegistry', () => {
  it('refuses a provider registered twice (its settings and models would be ambiguous)', () => {
    expect(() => new ProviderRegistry(loadCatalog(), [...PROVIDER_DEFINITIONS, PROVIDER_DEFINITIONS[1]], {})).toThrow('providers: a provider name is registered twice');
  });
});
