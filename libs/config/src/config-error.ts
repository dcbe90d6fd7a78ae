/** A setting is missing or malformed; the message names it and says what is expected. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
