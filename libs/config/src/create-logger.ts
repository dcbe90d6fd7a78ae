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
  '"set-cookie"',
  '"x-payment"',
  '"payment-signature"',
  '"x-payment-response"',
  '"payment-required"',
  'accessToken',
  'access_token',
  'refreshToken',
  'jwt',
  'privateKey',
  'ADMIN_TOKEN',
  'METRICS_TOKEN',
  'JWT_SECRET',
  'JWT_PRIVATE_KEY_PEM',
  'LND_MACAROON_HEX',
  'LNBITS_API_KEY',
  'L402_ROOT_KEY',
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
  // The settings provider folders and PROVIDERS_FILE declare (every `<X>_API_KEY(S)` and key setting, base URLs):
  // loadConfig keeps them under `declared`, redacted whole. Azure's key header.
  'declared',
  '"api-key"',
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
 * `destination` is for tests. By default lines go to stdout asynchronously (`pino.destination({ sync: false })`:
 * buffered, written in the background) so that a request never waits on a write to a slow pipe or log collector —
 * the access log writes one line per request. pino flushes that buffer synchronously when the process exits
 * (`process.exit` included), so the last lines are not lost on a normal or signalled exit; a hard crash
 * (SIGKILL, out of memory) can lose the last few kilobytes.
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options = { name: service, level, redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' } };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

/**
 * A logger writing to `logger`'s destination at its level and with its bindings, but WITHOUT redaction — for the one
 * line per request whose every field the caller builds from values that hold no secret (ids, numbers, route templates,
 * catalog names). Why: pino's wildcard redaction (REDACTED_PATHS, depths 0–3) costs ~0.1–0.2 ms per line here, which
 * a line per request cannot afford; the unredacted line costs a few microseconds. Never pass it caller input.
 */
export function createUnredactedLogger(logger: Logger): Logger {
  const stream = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  return pino({ level: logger.level }, stream).child(logger.bindings());
}
