import pino, { type Logger } from 'pino';

/** The JSON logger every service uses; credentials are redacted wherever they appear in logged objects. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    name: service,
    level,
    redact: { paths: ['*.authorization', '*.apiKey', '*["x-api-key"]', '*["x-spend-token"]', 'headers.authorization'], censor: '[redacted]' },
  });
}
