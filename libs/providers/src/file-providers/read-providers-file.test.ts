import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@tollgate/config';
import { Agent } from 'undici';
import { loadCatalog } from '../load-catalog';
import { OpenAiCompatibleModel } from '../openai-compatible/openai-compatible-model';
import { PROVIDER_DEFINITIONS } from '../provider-definitions';
import { redactProviderSecrets } from '../provider-error';
import { ProviderRegistry } from '../provider-registry';
import { providerSettingDeclarations } from '../provider-settings';
import { gatewayProviders, parseProvidersFile } from './read-providers-file';

const model = { id: 'fast', upstreamId: 'lab-fast-1', prices: { input: '0.5', output: '1.5' }, contextWindow: 128000, maxOutputTokens: 4096 };
const provider = { id: 'lab', baseUrl: 'http://127.0.0.1:9/v1', apiKeyEnv: 'LAB_KEY', models: [model] };
const json = (value: unknown) => JSON.stringify(value, null, 2);
const parse = (value: unknown, source = 'providers.json') => parseProvidersFile(typeof value === 'string' ? value : json(value), source);

describe('PROVIDERS_FILE', () => {
  it('declares OpenAI-compatible providers: settings, catalog entries and quirks from data', () => {
    const [definition] = parse({ providers: [{ ...provider, apiKeysEnv: 'LAB_KEYS', keys: [{ name: 'primary', env: 'LAB_KEY_A', weight: 3 }], quirks: { streamUsageOption: false } }] });
    expect(definition).toMatchObject({
      name: 'lab',
      settings: { baseUrl: 'LAB_BASE_URL', defaultBaseUrl: 'http://127.0.0.1:9/v1', apiKey: 'LAB_KEY', apiKeys: 'LAB_KEYS', keys: [{ name: 'primary', env: 'LAB_KEY_A', weight: 3 }] },
      models: [{ id: 'lab/fast', upstreamId: 'lab-fast-1', name: 'fast', aliases: [], prices: { input: '0.5', output: '1.5' }, contextWindow: 128000, maxOutputTokens: 4096 }],
    });
    const providers = [...PROVIDER_DEFINITIONS, definition];
    expect(providerSettingDeclarations(providers).map((setting) => setting.name)).toEqual(expect.arrayContaining(['LAB_BASE_URL', 'LAB_KEY', 'LAB_KEYS', 'LAB_KEY_A']));
    expect(loadCatalog(undefined, providers).find('lab/fast')).toMatchObject({ provider: 'lab', imageTokens: 1600 });
  });

  it('defaults the setting names from the id, and a keyless endpoint reads none', () => {
    const [named, keyless] = parse({ providers: [{ ...provider, id: 'my-lab', apiKeyEnv: undefined }, { ...provider, id: 'local', apiKeyEnv: undefined, keyless: true }] });
    expect(named.settings).toEqual({ baseUrl: 'MY_LAB_BASE_URL', defaultBaseUrl: 'http://127.0.0.1:9/v1', apiKey: 'MY_LAB_API_KEY', apiKeys: 'MY_LAB_API_KEYS' });
    expect(keyless.settings).toBeUndefined();
  });

  it('reads YAML by the file name, and names the line of a problem in it', () => {
    const yaml = ['providers:', '  - id: lab', '    baseUrl: http://127.0.0.1:9/v1', '    models:', '      - id: fast', '        prices: {input: "0.5", output: 1.5}', '        contextWindow: 128000', '        maxOutputTokens: 4096', ''].join('\n');
    expect(() => parse(yaml, 'providers.yaml')).toThrow(/providers\[0\]\.models\[0\]\.prices\.output \(line 6\): a price is a decimal string/);
    expect(parse(yaml.replace('output: 1.5', 'output: "1.5"'), 'providers.yml')[0].models[0].prices).toEqual({ input: '0.5', output: '1.5' });
    expect(() => parse('providers: [\n  {id: lab\n', 'providers.yaml')).toThrow(/^PROVIDERS_FILE providers\.yaml line \d: not valid YAML/);
  });

  it('names the line and column of bad JSON', () => {
    expect(() => parse('{\n  "providers": [\n    {"id": "lab",}\n  ]\n}')).toThrow(/^PROVIDERS_FILE providers\.json line 3 column 18: not valid JSON: /);
    expect(() => parse('{\n  "providers": [],\n  "providers": []\n}')).toThrow('PROVIDERS_FILE providers.json line 3: a field is given twice in the same object');
  });

  it('refuses a model without prices, naming the model and its line', () => {
    const text = json({ providers: [{ ...provider, models: [model, { ...model, id: 'slow', prices: undefined }] }] });
    const line = text.split('\n').findIndex((row) => row.includes('"slow"')) + 1;
    expect(() => parse(text)).toThrow(`providers[0].models[1].prices (line ${line - 1}): every model needs prices (USD per million tokens)`);
  });

  it('refuses prices given as numbers or negative, with the JSON path of the price', () => {
    expect(() => parse({ providers: [{ ...provider, models: [{ ...model, prices: { input: 0.5, output: '1.5' } }] }] })).toThrow(
      /providers\[0\]\.models\[0\]\.prices\.input \(line \d+\): a price is a decimal string in USD per million tokens/,
    );
    expect(() => parse({ providers: [{ ...provider, models: [{ ...model, prices: { input: '-1', output: '1.5' } }] }] })).toThrow(/prices\.input \(line \d+\): must not be negative/);
  });

  it('refuses an unknown field at its own path and line, so a misspelling is not ignored', () => {
    const text = json({ providers: [{ ...provider, quirks: { streamUsageOptions: false } }] });
    const line = text.split('\n').findIndex((row) => row.includes('streamUsageOptions')) + 1;
    expect(() => parse(text)).toThrow(`providers[0].quirks.streamUsageOptions (line ${line}): unknown field`);
  });

  it('refuses an id a built-in provider has, or one given twice', () => {
    expect(() => parse({ providers: [{ ...provider, id: 'openai' }] })).toThrow(/providers\[0\]\.id \(line 4\): "openai" is a built-in provider/);
    expect(() => parse({ providers: [provider, { ...provider, apiKeyEnv: 'OTHER_KEY' }] })).toThrow(/providers\[1\]\.id \(line \d+\): "lab" is declared twice/);
  });

  it('refuses a setting the gateway or another provider reads for something else; a key setting may be shared', () => {
    expect(() => parse({ providers: [{ ...provider, apiKeyEnv: 'DATABASE_URL' }] })).toThrow(/providers\[0\]\.apiKeyEnv \(line \d+\): DATABASE_URL is a setting of the gateway itself/);
    expect(() => parse({ providers: [{ ...provider, baseUrlEnv: 'OPENAI_BASE_URL' }] })).toThrow(/providers\[0\]\.baseUrlEnv \(line \d+\): OPENAI_BASE_URL is already read by provider openai/);
    expect(parse({ providers: [{ ...provider, apiKeyEnv: 'OPENAI_API_KEY' }] })[0].settings?.apiKey).toBe('OPENAI_API_KEY');
    expect(() => parse({ providers: [{ ...provider, apiKeyEnv: 'OPENAI_API_KEYS' }] })).toThrow(/providers\[0\]\.apiKeyEnv \(line \d+\): OPENAI_API_KEYS is already read by provider openai/);
  });

  it('refuses an alias the catalog already has; an upstream id may be another provider’s too (OpenRouter’s openai/gpt-4o)', () => {
    expect(() => parse({ providers: [{ ...provider, models: [{ ...model, aliases: ['gpt-4o'] }] }] })).toThrow(
      'PROVIDERS_FILE providers.json: catalog: the name gpt-4o is used by both openai/gpt-4o and lab/fast',
    );
    const [relay] = parse({ providers: [{ ...provider, models: [{ ...model, upstreamId: 'openai/gpt-4o' }, { ...model, id: 'mini', upstreamId: 'gpt-4o-mini' }] }] });
    const catalog = loadCatalog(undefined, [...PROVIDER_DEFINITIONS, relay]);
    expect(catalog.find('openai/gpt-4o')?.provider).toBe('openai');
    expect(catalog.find('gpt-4o-mini')?.provider).toBe('openai');
    expect(catalog.find('lab/mini')).toMatchObject({ provider: 'lab', upstreamId: 'gpt-4o-mini' });
  });

  it('treats extra header values as secrets: cut out of provider error messages like keys', () => {
    parse({ providers: [{ ...provider, headers: { 'X-Proxy-Token': 'proxy-token-31337' } }] });
    expect(redactProviderSecrets('upstream said: bad token proxy-token-31337')).toBe('upstream said: bad token [redacted]');
  });

  it('refuses headers the gateway sets itself and an Azure model without its deployment', () => {
    expect(() => parse({ providers: [{ ...provider, headers: { Authorization: 'Bearer x' } }] })).toThrow(/providers\[0\]\.headers\.Authorization \(line \d+\): is set by the gateway itself/);
    expect(() => parse({ providers: [{ ...provider, azure: { apiVersion: '2024-10-21' } }] })).toThrow(
      /providers\[0\]\.azure \(line \d+\): an Azure model needs a deployment and an apiVersion/,
    );
  });

  it('accepts the README example as written', () => {
    const readme = readFileSync(path.join(__dirname, '../../../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## OpenAI-compatible endpoints from a file'));
    const example = /```json\n([\s\S]*?)\n```/.exec(section)?.[1] ?? '';
    const definitions = parse(example);
    expect(definitions.map((definition) => definition.name)).toEqual(['lab', 'groq', 'azure-prod', 'ollama']);
    expect(definitions[2].models[0]).toMatchObject({ id: 'azure-prod/gpt-4o', upstreamId: 'gpt-4o-prod' });
  });

  it('is read from PROVIDERS_FILE by gatewayProviders, after the built-in ones; an unreadable file is named', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'providers-file-'));
    try {
      const file = path.join(directory, 'providers.json');
      writeFileSync(file, json({ providers: [provider] }));
      const providers = gatewayProviders({ PROVIDERS_FILE: file });
      expect(providers.map((definition) => definition.name)).toEqual([...PROVIDER_DEFINITIONS.map((definition) => definition.name), 'lab']);
      expect(gatewayProviders({})).toEqual([...PROVIDER_DEFINITIONS]);
      expect(() => gatewayProviders({ PROVIDERS_FILE: path.join(directory, 'missing.json') })).toThrow(`PROVIDERS_FILE ${path.join(directory, 'missing.json')} cannot be read (ENOENT)`);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('keeps its models when CATALOG_PATH replaces the built-in catalog', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'providers-file-'));
    try {
      const catalogPath = path.join(directory, 'catalog.json');
      writeFileSync(catalogPath, json({ models: [{ id: 'openai/gpt-4o', provider: 'openai', upstreamId: 'gpt-4o', name: 'GPT-4o', prices: { input: '2.5', output: '10' }, contextWindow: 128000, maxOutputTokens: 16384 }] }));
      const catalog = loadCatalog(catalogPath, [...PROVIDER_DEFINITIONS, ...parse({ providers: [provider] })]);
      expect(catalog.entries.map((entry) => entry.id)).toEqual(['openai/gpt-4o', 'lab/fast']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('lists a model unavailable while its key setting is unset, naming the setting', async () => {
    const providers = [...PROVIDER_DEFINITIONS, ...parse({ providers: [provider] })];
    const config = loadConfig({}, providerSettingDeclarations(providers));
    const registry = new ProviderRegistry(loadCatalog(undefined, providers), providers, config.declared);
    expect(registry.list().find((listed) => listed.entry.id === 'lab/fast')).toMatchObject({ available: false, missingSetting: 'LAB_KEY' });
    await registry.close();
  });

  it('calls Azure models at their deployment, with the api-version and an api-key header', () => {
    const [azure] = parse({
      providers: [{ id: 'azure-prod', baseUrl: 'https://example.openai.azure.com', azure: { apiVersion: '2024-10-21' }, headers: { 'X-Team': 'search' }, models: [{ ...model, upstreamId: undefined, azure: { deployment: 'gpt-4o-prod' } }] }],
    });
    const [entry] = loadCatalog(undefined, [azure]).entries;
    expect(entry.upstreamId).toBe('gpt-4o-prod');
    const agent = new Agent();
    const created = azure.createModel(entry, { baseUrl: 'https://example.openai.azure.com/', apiKey: 'azure-key-123456', agent }) as OpenAiCompatibleModel;
    expect(created).toBeInstanceOf(OpenAiCompatibleModel);
    void agent.close();
  });
});
