import { ConfigError } from './config-error';
import { loadConfig, type DeclaredSetting } from './load-config';

/** Settings as a provider folder declares them (libs/providers derives these from its registry). */
const OPENAI_SETTINGS: readonly DeclaredSetting[] = [
  { name: 'OPENAI_BASE_URL', kind: 'url', default: 'https://api.openai.com/v1' },
  { name: 'OPENAI_API_KEY', kind: 'secret' },
];

/** The ConfigError loadConfig throws for an environment. */
function configError(env: NodeJS.ProcessEnv, declared: readonly DeclaredSetting[] = []): ConfigError {
  try {
    loadConfig(env, declared);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/tollgate');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.COMMISSION_RATE).toBe('0.10');
    expect(config.BODY_LIMIT_BYTES).toBe(4 * 1024 * 1024);
    expect(config.DATABASE_CONNECT_TIMEOUT_MS).toBe(5_000);
    expect(config.DATABASE_QUERY_TIMEOUT_MS).toBe(10_000);
  });

  it('keeps raw usage rows forever unless USAGE_RETENTION_DAYS is a positive whole number', () => {
    expect(loadConfig({}).USAGE_RETENTION_DAYS).toBeUndefined();
    expect(loadConfig({ USAGE_RETENTION_DAYS: '90' }).USAGE_RETENTION_DAYS).toBe(90);
    expect(configError({ USAGE_RETENTION_DAYS: '0' }).message).toContain('USAGE_RETENTION_DAYS: must be greater than 0');
    expect(configError({ USAGE_RETENTION_DAYS: '7.5' }).message).toContain('USAGE_RETENTION_DAYS: must be a whole number');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(8080);
  });

  it('names every bad setting and what is wrong with it', () => {
    const { message } = configError({ PORT: 'eighty', REDIS_URL: 'http://x', COMMISSION_RATE: '10%', LOG_LEVEL: 'loud', KEY_CACHE_TTL_MS: '0', UPSTREAM_MAX_ATTEMPTS: '1.5' });
    expect(message).toContain('PORT: must be a number');
    expect(message).toContain('REDIS_URL: must be a redis: or rediss: URL');
    expect(message).toContain('COMMISSION_RATE: must be a non-negative decimal such as 0.10');
    expect(message).toContain('LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent');
    expect(message).toContain('KEY_CACHE_TTL_MS: must be greater than 0');
    expect(message).toContain('UPSTREAM_MAX_ATTEMPTS: must be a whole number');
  });

  it('never prints the value of a bad setting (a malformed URL may carry a password)', () => {
    const secrets = {
      DATABASE_URL: 'postgresql://tollgate:hunter2-secret@db host:5432/tollgate',
      REDIS_URL: 'redis://:redis-secret@[bad',
      OPENAI_BASE_URL: 'ftp://user:openai-secret@example.com',
      OPENAI_API_KEY: 'sk-never-printed',
      PORT: 'port-secret',
      METERING_QUEUE: 'queue:secret',
      BTC_USD_RATE: 'rate-secret',
    };
    const { message } = configError(secrets, OPENAI_SETTINGS);
    for (const setting of ['DATABASE_URL', 'REDIS_URL', 'OPENAI_BASE_URL', 'PORT', 'METERING_QUEUE', 'BTC_USD_RATE']) expect(message).toContain(`${setting}: `);
    for (const secret of ['hunter2', 'redis-secret', 'openai-secret', 'sk-never-printed', 'port-secret', 'queue:secret', 'rate-secret']) expect(message).not.toContain(secret);
  });

  it('validates the settings other modules declare, with their defaults, and keeps them apart', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-test', ACME_API_KEY: 'not declared' }, OPENAI_SETTINGS);
    expect(config.declared).toEqual({ OPENAI_BASE_URL: 'https://api.openai.com/v1', OPENAI_API_KEY: 'sk-test' });
    expect(config).not.toHaveProperty('OPENAI_API_KEY');
    expect(loadConfig({}, OPENAI_SETTINGS).declared).toEqual({ OPENAI_BASE_URL: 'https://api.openai.com/v1' });
    // A module that declares nothing (the billing worker) reads no provider setting at all.
    expect(loadConfig({ OPENAI_API_KEY: 'sk-test' }).declared).toEqual({});
    const { message } = configError({ OPENAI_BASE_URL: 'ftp://example.com', PORT: 'eighty' }, OPENAI_SETTINGS);
    expect(message).toContain('OPENAI_BASE_URL: must be a http: or https: URL');
    expect(message).toContain('PORT: must be a number');
  });

  it('refuses a setting declared twice, or one that configSchema already has', () => {
    expect(() => loadConfig({}, [...OPENAI_SETTINGS, { name: 'OPENAI_API_KEY', kind: 'secret' }])).toThrow('setting OPENAI_API_KEY is declared twice');
    expect(() => loadConfig({}, [{ name: 'PORT', kind: 'secret' }])).toThrow('setting PORT is declared twice');
  });
});
