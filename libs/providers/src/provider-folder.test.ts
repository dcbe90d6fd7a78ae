import { loadConfig } from '@tollgate/config';
import { startReplayServer, type ReplayServer } from '@tollgate/testing';
import { loadCatalog } from './load-catalog';
import type { ProviderDefinition } from './provider-definition';
import { PROVIDER_DEFINITIONS } from './provider-definitions';
import { ProviderRegistry } from './provider-registry';
import { providerSettingDeclarations } from './provider-settings';
import { ACME_RECORDINGS, acmeProvider } from './testing/fixture-providers/acme';
import { FIXTURE_PROVIDERS_DIR } from './testing/fixture-providers';
import { PROVIDER_FOLDERS_DIR, providerReplaysFor } from './testing/provider-replays';
import { readWholeStream, TEST_OUTPUT_BUDGET, testCallOptions } from './testing/stream-test-support';

/**
 * Adding a native provider is one folder and one registry line: Acme, a made-up provider with a wire format of its
 * own, lives only in testing/fixture-providers/acme/; the line below is all the rest of the code learns of it.
 */
const definitions: readonly ProviderDefinition[] = [...PROVIDER_DEFINITIONS, acmeProvider];

describe('a provider folder plus one registry line', () => {
  let upstream: ReplayServer;
  let registry: ProviderRegistry;

  beforeAll(async () => {
    upstream = await startReplayServer();
    const config = loadConfig({ ACME_BASE_URL: `${upstream.url}/v2`, ACME_API_KEY: 'acme-test-key-1' }, providerSettingDeclarations(definitions));
    registry = new ProviderRegistry(loadCatalog(undefined, definitions), definitions, config.declared);
  });
  afterAll(async () => {
    await registry.close();
    await upstream.close();
  });

  it('puts its models in the catalog with their prices, as exact decimal strings', () => {
    const catalog = loadCatalog(undefined, definitions);
    expect(catalog.find('acme-fast')).toMatchObject({ id: 'acme/fast', provider: 'acme', upstreamId: 'acme-fast-1', prices: { input: '0.5', output: '1.5' } });
    expect(catalog.find('acme/deep')?.prices).toEqual({ input: '3.25', output: '12.75' });
    // The built-in catalog is untouched by it.
    expect(loadCatalog().find('acme/fast')).toBeUndefined();
  });

  it('has its settings validated with the rest of the configuration, its base URL defaulted', () => {
    const declarations = providerSettingDeclarations(definitions);
    expect(declarations).toContainEqual({ name: 'ACME_BASE_URL', kind: 'url', default: 'https://api.acme.example/v2' });
    expect(declarations).toContainEqual({ name: 'ACME_API_KEY', kind: 'secret' });
    expect(loadConfig({}, declarations).declared).toMatchObject({ ACME_BASE_URL: 'https://api.acme.example/v2' });
    expect(() => loadConfig({ ACME_BASE_URL: 'ftp://acme.example' }, declarations)).toThrow('ACME_BASE_URL: must be a http: or https: URL');
  });

  it('is listed as available once its key is set, and names the key while it is not', async () => {
    expect(registry.list().filter(({ entry }) => entry.provider === 'acme')).toEqual([
      expect.objectContaining({ entry: expect.objectContaining({ id: 'acme/fast' }), available: true }),
      expect.objectContaining({ entry: expect.objectContaining({ id: 'acme/deep' }), available: true }),
    ]);
    const unconfigured = new ProviderRegistry(loadCatalog(undefined, definitions), definitions, {});
    expect(unconfigured.list().find(({ entry }) => entry.id === 'acme/fast')).toMatchObject({ available: false, missingSetting: 'ACME_API_KEY' });
    expect(() => unconfigured.resolve('acme/fast')).toThrow('provider acme is not configured: set ACME_API_KEY');
    await unconfigured.close();
  });

  it('answers through its own adapter against a loopback stand-in, JSON and streamed, with the reported usage', async () => {
    const { model } = registry.resolve('acme/fast');
    const request = { model: 'acme/fast', messages: [{ role: 'user' as const, content: 'Say hello.' }], temperature: 0.2 };
    upstream.enqueue(ACME_RECORDINGS.textJson, ACME_RECORDINGS.textStream);
    const usage = { inputTokens: 12, outputTokens: 30, reasoningTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, source: 'reported' };

    const answer = await model.generate(request, testCallOptions());
    expect(answer).toEqual({ providerResponseId: 'acme-cmpl-7f3a', text: ACME_RECORDINGS.text, toolCalls: [], finishReason: 'stop', usage, warnings: [] });
    const streamed = await readWholeStream(model, request);
    expect(streamed.parts[0]).toEqual({ type: 'stream-start', warnings: [] });
    expect(streamed.text).toBe(ACME_RECORDINGS.text);
    expect(streamed.last).toEqual({ type: 'finish', finishReason: 'stop', usage });

    expect(upstream.requests.map(({ url, headers }) => [url, headers['x-acme-key']])).toEqual([
      ['/v2/complete', 'acme-test-key-1'],
      ['/v2/complete', 'acme-test-key-1'],
    ]);
    expect(upstream.requests[1].body).toEqual({ engine: 'acme-fast-1', turns: [{ speaker: 'user', text: 'Say hello.' }], max_new_tokens: TEST_OUTPUT_BUDGET, temperature: 0.2, stream: true });
  });

  it('is held to the provider contract tests: registering it without a recorded replay table fails, naming it', () => {
    expect(() => providerReplaysFor(definitions, [PROVIDER_FOLDERS_DIR, FIXTURE_PROVIDERS_DIR])).toThrow('provider acme has no recorded replay: add testing/replay.ts to its folder');
    expect(providerReplaysFor(PROVIDER_DEFINITIONS).map((replay) => replay.provider)).toEqual(PROVIDER_DEFINITIONS.filter((definition) => definition.settings).map((definition) => definition.name));
  });
});
