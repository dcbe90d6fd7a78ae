import { createHash } from 'node:crypto';
import { loadConfig } from '@tollgate/config';
import { loadCatalog } from '../load-catalog';
import { prefixedSettings, type ProviderDefinition } from '../provider-definition';
import { PROVIDER_DEFINITIONS } from '../provider-definitions';
import { ProviderError } from '../provider-error';
import { ProviderRegistry } from '../provider-registry';
import { providerSettingDeclarations } from '../provider-settings';
import { fingerprintKeyName, readProviderKeys } from './provider-key';

const declarations = providerSettingDeclarations(PROVIDER_DEFINITIONS);

describe('several keys per provider', () => {
  it('declares <PREFIX>_API_KEYS beside <PREFIX>_API_KEY for every built-in provider, as secrets', () => {
    for (const prefix of ['OPENAI', 'ANTHROPIC', 'GEMINI', 'MISTRAL', 'TOGETHER']) {
      expect(declarations).toContainEqual({ name: `${prefix}_API_KEY`, kind: 'secret' });
      expect(declarations).toContainEqual({ name: `${prefix}_API_KEYS`, kind: 'secret-list' });
    }
  });

  it('declares the settings of named keys, each once even when two providers (or their single key) read it', () => {
    const shared: ProviderDefinition = { ...PROVIDER_DEFINITIONS[2], name: 'one', settings: { ...prefixedSettings('ONE', 'http://127.0.0.1:9/v1'), keys: [{ name: 'primary', env: 'SHARED_KEY' }, { name: 'again', env: 'ONE_API_KEY' }] } };
    const other: ProviderDefinition = { ...shared, name: 'two', settings: { ...prefixedSettings('TWO', 'http://127.0.0.1:9/v1'), keys: [{ name: 'primary', env: 'SHARED_KEY', weight: 2 }] } };
    const names = providerSettingDeclarations([shared, other]).map(({ name }) => name);
    expect(names).toEqual(['ONE_BASE_URL', 'ONE_API_KEY', 'ONE_API_KEYS', 'SHARED_KEY', 'TWO_BASE_URL', 'TWO_API_KEY', 'TWO_API_KEYS']);
    expect(() => loadConfig({ SHARED_KEY: 'sk-shared-000000' }, providerSettingDeclarations([shared, other]))).not.toThrow();
    const listing: ProviderDefinition = { ...shared, name: 'three', settings: { ...prefixedSettings('THREE', 'http://127.0.0.1:9/v1'), apiKeys: 'SHARED_KEY' } };
    expect(() => providerSettingDeclarations([shared, listing])).toThrow('setting SHARED_KEY is read both as one key and as a comma-separated list of keys');
  });

  it('reads OPENAI_API_KEYS with spaces around the commas', () => {
    const config = loadConfig({ OPENAI_API_KEYS: ' sk-first-0000000 ,sk-second-000000 ' }, declarations);
    expect(readProviderKeys('openai', prefixedSettings('OPENAI', 'x'), config.declared).map(({ secret }) => secret)).toEqual(['sk-first-0000000', 'sk-second-000000']);
  });

  it.each([
    ['k1,,k2', 'OPENAI_API_KEYS: must be keys separated by commas, without empty entries (entry 2 of 3 is empty)'],
    ['sk-first-0000000,', 'OPENAI_API_KEYS: must be keys separated by commas, without empty entries (entry 2 of 2 is empty)'],
    [' , ', 'OPENAI_API_KEYS: must be keys separated by commas, without empty entries (entry 1 of 2 is empty)'],
    ['sk-first 0000000,sk-second-000000', 'OPENAI_API_KEYS: must be keys separated by commas (entry 1 of 2 has a space inside it)'],
    ['sk-first-0000000,sk-first-0000000', 'OPENAI_API_KEYS: lists the same key twice (entry 2 of 2)'],
  ])('refuses OPENAI_API_KEYS=%j with a config error naming the setting, never the keys', (value, problem) => {
    let message = '';
    try {
      loadConfig({ OPENAI_API_KEYS: value }, declarations);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(problem);
    expect(message).not.toContain('sk-first');
  });

  it('names a key from a setting by its provider and a fingerprint of it, a named key by its name, and counts a key given twice once', () => {
    const names = { ...prefixedSettings('OPENAI', 'x'), keys: [{ name: 'team-a', env: 'TEAM_A_KEY', weight: 3 }, { name: 'unset', env: 'UNSET_KEY' }, { name: 'dup', env: 'DUP_KEY' }] };
    const keys = readProviderKeys('openai', names, { OPENAI_API_KEY: 'sk-single-000000', OPENAI_API_KEYS: 'sk-single-000000,sk-listed-000000', TEAM_A_KEY: 'sk-team-a-000000', DUP_KEY: 'sk-listed-000000' });
    expect(keys.map(({ name, weight }) => [name, weight])).toEqual([
      [fingerprintKeyName('openai', 'sk-single-000000'), 1],
      [fingerprintKeyName('openai', 'sk-listed-000000'), 1],
      ['team-a', 3],
    ]);
    expect(fingerprintKeyName('openai', 'sk-single-000000')).toMatch(/^openai#[0-9a-f]{8}$/);
    expect(fingerprintKeyName('openai', 'sk-single-000000')).toBe(`openai#${createHash('sha256').update('sk-single-000000').digest('hex').slice(0, 8)}`);
  });

  it('refuses at start a weight that is not positive and two keys of one name', () => {
    const settings = { A: 'sk-aaaaaaaaaaaa', B: 'sk-bbbbbbbbbbbb' };
    expect(() => readProviderKeys('acme', { ...prefixedSettings('ACME', 'x'), keys: [{ name: 'a', env: 'A', weight: 0 }] }, settings)).toThrow('provider acme: key a has weight 0, which is not a positive number');
    expect(() => readProviderKeys('acme', { ...prefixedSettings('ACME', 'x'), keys: [{ name: 'a', env: 'A' }, { name: 'a', env: 'B' }] }, settings)).toThrow('provider acme: two keys are named a');
  });

  it('makes a provider available with a key from any of its three sources, and redacts every key from provider errors', async () => {
    const withKeys = (settings: Record<string, string>) => new ProviderRegistry(loadCatalog(), PROVIDER_DEFINITIONS, settings);
    const none = withKeys({});
    expect(none.list().find(({ entry }) => entry.provider === 'openai')).toMatchObject({ available: false, missingSetting: 'OPENAI_API_KEY' });
    expect(() => none.resolve('openai/gpt-4o')).toThrow('provider openai is not configured: set OPENAI_API_KEY');
    const listed = withKeys({ OPENAI_API_KEYS: 'sk-listed-key-one-000,sk-listed-key-two-000' });
    expect(listed.list().find(({ entry }) => entry.provider === 'openai')?.available).toBe(true);
    // The rotation: each resolve takes the next key, and a model is made once per entry and key.
    const first = listed.resolve('openai/gpt-4o');
    const second = listed.resolve('openai/gpt-4o');
    const third = listed.resolve('openai/gpt-4o');
    expect([first.key?.name, second.key?.name]).toEqual([fingerprintKeyName('openai', 'sk-listed-key-one-000'), fingerprintKeyName('openai', 'sk-listed-key-two-000')]);
    expect(third.model).toBe(first.model);
    expect(second.model).not.toBe(first.model);
    const file: ProviderDefinition = { ...PROVIDER_DEFINITIONS[2], name: 'openai', settings: { ...prefixedSettings('OPENAI', 'http://127.0.0.1:9/v1'), keys: [{ name: 'from-file', env: 'FILE_KEY' }] } };
    const named = new ProviderRegistry(loadCatalog(undefined, [file]), [file], { FILE_KEY: 'sk-from-a-file-000000' });
    expect(named.resolve('openai/gpt-4o').key?.name).toBe('from-file');
    const error = new ProviderError({ provider: 'openai', statusCode: 401, message: 'Incorrect API key provided: sk-listed-key-two-000 and sk-from-a-file-000000' });
    expect(error.message).toBe('Incorrect API key provided: [redacted] and [redacted]');
    await Promise.all([none.close(), listed.close(), named.close()]);
  });
});
