import { Writable } from 'node:stream';
import { createLogger, createUnredactedLogger } from './create-logger';

/** A logger whose lines are collected as parsed JSON. */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { logger: createLogger('test', 'info', destination), text: () => lines.join('') };
}

describe('createLogger', () => {
  it('redacts credentials and connection URLs wherever they sit in a logged object', () => {
    const { logger, text } = capturedLogger();
    logger.info(
      {
        authorization: 'Bearer tg_top_secret',
        apiKey: 'sk-live-top',
        req: { headers: { authorization: 'Bearer tg_header_secret', 'x-api-key': 'sk-ant-header', 'x-spend-token': 'tgs_spend_secret', 'x-goog-api-key': 'AIza-secret' } },
        config: {
          OPENAI_API_KEY: 'sk-openai-config',
          ANTHROPIC_API_KEY: 'sk-ant-config',
          DATABASE_URL: 'postgresql://u:pg-password@db/x',
          REDIS_URL: 'redis://:redis-password@r',
          declared: { ACME_API_KEYS: 'acme-key-1,acme-key-2', GROQ_KEY_PRIMARY: 'gsk-file-key' },
        },
        upstream: { headers: { 'api-key': 'azure-header-key' } },
        err: { cause: { headers: { authorization: 'Bearer deep-secret' } } },
        requestId: 'req_kept',
      },
      'logged',
    );
    const logged = text();
    for (const secret of ['tg_top_secret', 'sk-live-top', 'tg_header_secret', 'sk-ant-header', 'tgs_spend_secret', 'AIza-secret', 'sk-openai-config', 'sk-ant-config', 'pg-password', 'redis-password', 'deep-secret', 'acme-key-1', 'gsk-file-key', 'azure-header-key']) {
      expect(logged).not.toContain(secret);
    }
    expect(logged).toContain('[redacted]');
    expect(JSON.parse(logged)).toMatchObject({ requestId: 'req_kept', msg: 'logged', req: { headers: { authorization: '[redacted]' } } });
  });

  it('redacts payment headers, cookies and every secret setting in a logged config', () => {
    const { logger, text } = capturedLogger();
    const settings = ['ADMIN_TOKEN', 'METRICS_TOKEN', 'JWT_SECRET', 'JWT_PRIVATE_KEY_PEM', 'L402_ROOT_KEY', 'LND_MACAROON_HEX', 'LNBITS_API_KEY', 'GEMINI_API_KEY', 'MISTRAL_API_KEY', 'TOGETHER_API_KEY'];
    logger.warn(
      {
        req: { headers: { 'x-payment': 'x402-v1-secret', 'payment-signature': 'x402-v2-secret', cookie: 'session=cookie-secret', 'proxy-authorization': 'Basic proxy-secret' } },
        res: { headers: { 'set-cookie': 'session=set-cookie-secret', 'payment-required': 'payment-required-secret' } },
        body: { token: 'jwt-body-secret', accessToken: 'access-token-secret', access_token: 'oauth-secret' },
        config: Object.fromEntries(settings.map((name) => [name, `${name}-value-secret`])),
      },
      'logged',
    );
    const logged = text();
    const secrets = ['x402-v1-secret', 'x402-v2-secret', 'cookie-secret', 'proxy-secret', 'set-cookie-secret', 'payment-required-secret', 'jwt-body-secret', 'access-token-secret', 'oauth-secret'];
    for (const secret of [...secrets, ...settings.map((name) => `${name}-value-secret`)]) expect({ secret, found: logged.includes(secret) }).toEqual({ secret, found: false });
  });

  it('gives an unredacted logger on the same destination, level and bindings (for lines built from safe fields only)', () => {
    const { logger, text } = capturedLogger();
    const access = createUnredactedLogger(logger.child({ replica: 'r1' }));
    access.debug({ requestId: 'req_1' }, 'below the level');
    access.info({ requestId: 'req_2', status: 200 }, 'request');
    expect(JSON.parse(text())).toMatchObject({ name: 'test', replica: 'r1', level: 30, requestId: 'req_2', status: 200, msg: 'request' });
  });
});
