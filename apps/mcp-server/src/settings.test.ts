import { DEFAULT_GATEWAY_URL, readSettings } from './settings';

describe('readSettings', () => {
  it('defaults to the local gateway and no spend token', () => {
    expect(readSettings({})).toEqual({ gatewayUrl: DEFAULT_GATEWAY_URL, defaultSpendToken: undefined });
  });

  it('reads TOLLGATE_URL (without its trailing slash) and TOLLGATE_SPEND_TOKEN', () => {
    expect(readSettings({ TOLLGATE_URL: 'https://gateway.example.com/', TOLLGATE_SPEND_TOKEN: ' tg_abc ' })).toEqual({
      gatewayUrl: 'https://gateway.example.com',
      defaultSpendToken: 'tg_abc',
    });
  });

  it('treats blank values, as MCP client configs often write them, as unset', () => {
    expect(readSettings({ TOLLGATE_URL: '', TOLLGATE_SPEND_TOKEN: '  ' })).toEqual({ gatewayUrl: DEFAULT_GATEWAY_URL, defaultSpendToken: undefined });
  });

  it('refuses a TOLLGATE_URL that is not an http(s) URL, naming the setting', () => {
    expect(() => readSettings({ TOLLGATE_URL: 'localhost:8080' })).toThrow(/TOLLGATE_URL must be an http\(s\) URL/);
    expect(() => readSettings({ TOLLGATE_URL: 'ftp://example.com' })).toThrow(/TOLLGATE_URL/);
  });
});
