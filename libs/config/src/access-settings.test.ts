import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

const SECRET = 'a-test-secret-of-at-least-32-characters!';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('JWT settings', () => {
  it('are off by default, with documented issuer, audience and TTL', () => {
    const config = loadConfig({});
    expect(config.JWT_ALGORITHM).toBeUndefined();
    expect(config).toMatchObject({ JWT_ISSUER: 'tollgate', JWT_AUDIENCE: 'tollgate', JWT_TTL_SECONDS: 3600, AUTHORIZE_NONCE_TTL_SECONDS: 300, JWT_IDP_CREDIT_LIMIT: '0' });
  });

  it('infer HS256 from a secret and RS256 from a key pair, read from files when given as paths', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).JWT_ALGORITHM).toBe('HS256');
    const directory = mkdtempSync(join(tmpdir(), 'tollgate-jwt-'));
    writeFileSync(join(directory, 'private.pem'), 'PRIVATE');
    writeFileSync(join(directory, 'public.pem'), 'PUBLIC');
    const config = loadConfig({ JWT_PRIVATE_KEY_PATH: join(directory, 'private.pem'), JWT_PUBLIC_KEY_PATH: join(directory, 'public.pem') });
    expect(config).toMatchObject({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_PEM: 'PRIVATE', JWT_PUBLIC_KEY_PEM: 'PUBLIC' });
  });

  it('refuse to start when they do not make one coherent choice', () => {
    expect(configError({ JWT_SECRET: 'short' }).message).toContain('JWT_SECRET: must be at least 32');
    expect(configError({ JWT_ALGORITHM: 'HS256' }).message).toContain('JWT_SECRET: must be set when JWT_ALGORITHM is HS256');
    expect(configError({ JWT_ALGORITHM: 'RS256', JWT_SECRET: SECRET }).message).toMatch(/JWT_PRIVATE_KEY_PEM: must be set[\s\S]*JWT_SECRET: must not be set/);
    expect(configError({ JWT_ALGORITHM: 'HS256', JWT_SECRET: SECRET, JWT_PUBLIC_KEY_PEM: 'PUBLIC' }).message).toContain('JWT_PRIVATE_KEY_PEM: must not be set');
    expect(configError({ JWT_ALGORITHM: 'ES512' }).message).toContain('JWT_ALGORITHM: must be one of HS256, RS256');
    expect(configError({ JWT_PRIVATE_KEY_PATH: '/nonexistent/key.pem', JWT_PUBLIC_KEY_PEM: 'x' }).message).toContain('JWT_PRIVATE_KEY_PATH: cannot read the file it names');
  });

  it('need a key, issuer, audience and account claim for a platform IdP', () => {
    const { message } = configError({ JWT_IDP_ISSUER: 'https://idp.example' });
    expect(message).toContain('JWT_JWKS_URL: must be set');
    expect(message).toContain('JWT_IDP_AUDIENCE: must be set');
    expect(message).toContain('JWT_IDP_ACCOUNT_CLAIM: must be set');
    const config = loadConfig({ JWT_JWKS_URL: 'https://idp.example/jwks.json', JWT_IDP_ISSUER: 'https://idp.example', JWT_IDP_AUDIENCE: 'tollgate', JWT_IDP_ACCOUNT_CLAIM: 'team' });
    expect(config.JWT_IDP_ACCOUNT_CLAIM).toBe('team');
  });
});
