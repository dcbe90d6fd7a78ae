import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Keys whose values are credentials (or may carry one: a database or Redis URL can hold a password), wherever they
 * sit in a logged object: at the top, or up to three levels down (`req.headers.authorization`,
 * `config.OPENAI_API_KEY`, `err.cause.headers.authorization`).
 */
const SECRET_KEYS = [
  'authorization',
  '"proxy-authorization"',
  'cookie',
  '"x-api-key"',
  '"x-spend-token"',
  '"x-goog-api-key"',
  'apiKey',
  'api_key',
  'password',
  'secret',
  'token',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'GEMINI_API_KEY',
  'MISTRAL_API_KEY',
  'TOGETHER_API_KEY',
  'DATABASE_URL',
  'REDIS_URL',
  'databaseUrl',
  'redisUrl',
  'connectionString',
];

/** The redaction paths for SECRET_KEYS at depths 0–3 (a quoted key, e.g. a header name, as a bracket member). */
export const REDACTED_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => {
  const quoted = key.startsWith('"');
  const member = quoted ? `[${key}]` : `.${key}`;
  // A top-level key with a hyphen cannot be written as a path on its own; nothing logs headers at the top anyway.
  return [...(quoted ? [] : [key]), `*${member}`, `*.*${member}`, `*.*.*${member}`];
});

/**
 * The JSON logger every service uses; credentials are redacted wherever they appear in logged objects.
 * `destination` is for tests (defaults to stdout).
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options = { name: service, level, redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
