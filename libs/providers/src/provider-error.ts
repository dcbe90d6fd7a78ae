/** HTTP statuses after which the same request may succeed when tried again. */
export const RETRYABLE_STATUSES = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

/**
 * The provider API keys in use (registered as each provider's models are made). Providers echo the key they were
 * sent in some error bodies ("Incorrect API key provided: sk-…"); every ProviderError message — which the gateway logs
 * and may pass on — has them cut out before it exists, so no log line, stack or answer can carry one. Process-wide on
 * purpose: an error can be made anywhere below a model (HTTP, stream mapping) without the key in reach.
 */
const providerSecrets = new Set<string>();

/** Registers a provider API key to be cut out of every ProviderError message (keys under 8 characters are not keys). */
export function registerProviderSecret(secret: string): void {
  if (secret.length >= 8) providerSecrets.add(secret);
}

/** `text` with every registered provider key replaced by `[redacted]`. */
export function redactProviderSecrets(text: string): string {
  let redacted = text;
  for (const secret of providerSecrets) if (redacted.includes(secret)) redacted = redacted.replaceAll(secret, '[redacted]');
  return redacted;
}

/**
 * An upstream failure, normalised: which provider, the upstream HTTP status (0 when no response arrived), whether
 * trying again may help, whether the request may already have reached the model, and how long the provider asked
 * us to wait.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly provider: string;
  readonly statusCode: number;
  readonly isRetryable: boolean;
  /** Milliseconds the provider asked to wait (from `retry-after`), when it said. */
  readonly retryAfterMs?: number;
  /** The provider's own error type or code, e.g. `rate_limit_exceeded`. */
  readonly upstreamCode?: string;
  /** Set for timeouts: which one expired. */
  readonly timeout?: 'connect' | 'first_byte' | 'idle';
  /**
   * True when the request may have been received and generation may have started: a timeout or a broken connection
   * after the request was sent. Trying again could make the provider generate (and bill) twice, so such an error is
   * never retryable, and the attempt may cost what the provider generated. False when the provider cannot have
   * started: the connection was never made, or the provider answered with an error status.
   */
  readonly reachedModel: boolean;

  constructor(init: {
    provider: string;
    message: string;
    statusCode: number;
    isRetryable?: boolean;
    retryAfterMs?: number;
    upstreamCode?: string;
    timeout?: 'connect' | 'first_byte' | 'idle';
    /** Default false. When true, `isRetryable` is false whatever was asked. */
    reachedModel?: boolean;
    cause?: unknown;
  }) {
    super(redactProviderSecrets(init.message), { cause: init.cause });
    this.provider = init.provider;
    this.statusCode = init.statusCode;
    this.reachedModel = init.reachedModel ?? false;
    this.isRetryable = !this.reachedModel && (init.isRetryable ?? RETRYABLE_STATUSES.has(init.statusCode));
    this.retryAfterMs = init.retryAfterMs;
    this.upstreamCode = init.upstreamCode;
    this.timeout = init.timeout;
  }
}

/** A request setting this provider cannot honour, refused because the caller asked for strict mode. */
export class UnsupportedSettingError extends Error {
  override readonly name = 'UnsupportedSettingError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
  }
}

/** A model whose provider is not configured (no API key): the message names the missing setting. */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
  constructor(
    readonly provider: string,
    readonly missingSetting: string,
  ) {
    super(`provider ${provider} is not configured: set ${missingSetting}`);
  }
}

/** Parses a `retry-after` header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
