import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/tollgate');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.COMMISSION_RATE).toBe('0.10');
    expect(config.BODY_LIMIT_BYTES).toBe(4 * 1024 * 1024);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(8080);
  });

  it('names every bad setting', () => {
    expect(() => loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', COMMISSION_RATE: '10%' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', COMMISSION_RATE: '10%' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT="eighty"');
      expect(message).toContain('REDIS_URL="http://x"');
      expect(message).toContain('COMMISSION_RATE="10%"');
    }
  });
});
