import { Writable } from 'node:stream';
import { createLogger } from './create-logger';

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
        config: { OPENAI_API_KEY: 'sk-openai-config', ANTHROPIC_API_KEY: 'sk-ant-config', DATABASE_URL: 'postgresql://u:pg-password@db/x', REDIS_URL: 'redis://:redis-password@r' },
        err: { cause: { headers: { authorization: 'Bearer deep-secret' } } },
        requestId: 'req_kept',
      },
      'logged',
    );
    const logged = text();
    for (const secret of ['tg_top_secret', 'sk-live-top', 'tg_header_secret', 'sk-ant-header', 'tgs_spend_secret', 'AIza-secret', 'sk-openai-config', 'sk-ant-config', 'pg-password', 'redis-password', 'deep-secret']) {
      expect(logged).not.toContain(secret);
    }
    expect(logged).toContain('[redacted]');
    expect(JSON.parse(logged)).toMatchObject({ requestId: 'req_kept', msg: 'logged', req: { headers: { authorization: '[redacted]' } } });
  });
});
