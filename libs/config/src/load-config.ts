import { z } from 'zod';
import { resolveAccessSettings } from './access-settings';
import { ConfigError } from './config-error';
import { secretListProblem } from './secret-list';

const decimalRate = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal such as 0.10');

const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a ${protocols.join(' or ')} URL`);

const positiveInt = z.coerce.number().int().positive();

/**
 * Every environment setting tollgate reads, with its default. One schema for all services so that a setting means
 * the same everywhere; each service reads the parts it needs.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: url(['postgresql:', 'postgres:']).default('postgresql://postgres@127.0.0.1:5432/tollgate'),
  /** Postgres schema to use inside the database (tests give each test its own). */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier').default('public'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  METERING_QUEUE: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('metering'),
  /**
   * Bearer token of the admin API (`/admin`): accounts, keys, top-ups, settlements, usage reports, audit. Unset =
   * the admin API refuses every request. At least 32 characters (e.g. `openssl rand -base64 32`).
   */
  ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  /**
   * Bearer token `GET /metrics` asks for (`Authorization: Bearer <token>`); unset = /metrics is open on the gateway's
   * port, so keep it off the public ingress. At least 16 characters.
   */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Port of the billing worker's `/metrics` server (Prometheus text format); 0 turns it off. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /**
   * OTLP/HTTP collector base URL (e.g. http://otel-collector:4318): the gateway then exports a trace span per request,
   * with a child span per upstream try, to `<url>/v1/traces`. Unset = no tracing.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),
  /** The traces' `service.name`. */
  OTEL_SERVICE_NAME: z.string().min(1).default('tollgate-gateway'),
  /** Commission on top of the provider's cost, as a fraction: 0.10 = 10%. */
  COMMISSION_RATE: decimalRate.default('0.10'),
  /**
   * Origins allowed to call the gateway from a browser (CORS), comma-separated (e.g. https://app.example.com), or `*`.
   * Unset = no cross-origin access (the default: API clients are servers, not pages). /admin never allows it.
   */
  CORS_ORIGINS: z.string().optional(),
  /** Largest request body accepted, in bytes (default 4 MiB). */
  BODY_LIMIT_BYTES: positiveInt.default(4 * 1024 * 1024),
  /**
   * The most a caller may take to send a whole request — headers and body — in milliseconds (default 60 s); past it the
   * gateway answers 408 and closes the connection, so a body trickled byte by byte cannot hold a socket. Answers,
   * streamed ones included, are not limited by it.
   */
  REQUEST_TIMEOUT_MS: positiveInt.default(60_000),
  /** Opening (or waiting for) a Postgres connection, in milliseconds, before the query fails (gateway and worker). */
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt.default(5_000),
  /**
   * One Postgres query on the gateway's request path, in milliseconds (client side and `statement_timeout`): past
   * it the caller gets a 503 instead of waiting on a database that stopped answering.
   */
  DATABASE_QUERY_TIMEOUT_MS: positiveInt.default(10_000),
  /**
   * How long a key → account lookup is trusted before Postgres is asked again: a backstop only, since operators'
   * changes (revocation, suspension, limits) reach every replica over Redis pub/sub at once.
   */
  KEY_CACHE_TTL_MS: positiveInt.default(30_000),
  /** How long past its TTL a known key keeps serving while Postgres is unreachable. */
  KEY_CACHE_STALE_IF_ERROR_MS: positiveInt.default(300_000),
  /** Default requests per minute of each key and each account without limits of their own; unset = unlimited. */
  RATE_LIMIT_RPM: positiveInt.optional(),
  /** Default tokens per minute (prompt estimate + output budget, corrected to actual usage); unset = unlimited. */
  RATE_LIMIT_TPM: positiveInt.optional(),
  /** Longest wait for a Redis command on the request path; past it, admission fails closed (503 funds_unavailable). */
  REDIS_COMMAND_TIMEOUT_MS: positiveInt.default(1_000),
  /** `true` admits requests without limits or funds checks while Redis is unavailable (availability over money). */
  FUNDS_FAIL_OPEN: z.enum(['true', 'false']).default('false'),
  /** Lifetime of a funds hold that its request does not renew: a crashed gateway's holds lapse after it. */
  HOLD_TTL_MS: positiveInt.default(120_000),
  /**
   * On SIGTERM/SIGINT, how long the gateway lets in-flight requests and streams finish before it cuts them (each then
   * ends with an error event and is metered `partial`). Kubernetes' terminationGracePeriodSeconds must exceed it by
   * the abort window and the metering flush (docs/deploy.md).
   */
  SHUTDOWN_GRACE_MS: positiveInt.default(25_000),
  /**
   * `true` (laptop, `npm start`, compose without its migrate step): the gateway and the worker apply pending migrations
   * at start. `false` (Kubernetes, compose): they only check that every migration of their release is applied and
   * refuse to start otherwise; a one-shot `tollgate migrate` (Job, compose service) migrates once per rollout.
   */
  MIGRATE_ON_START: z.enum(['true', 'false']).default('true'),
  /** Where metering events wait on local disk while Redis is unreachable. */
  SPOOL_DIR: z.string().min(1).default('.spool'),
  /** Jobs the billing worker processes at once; their events are committed in batches. */
  WORKER_CONCURRENCY: positiveInt.default(600),
  /**
   * Days the billing worker keeps raw usage rows (`usage_records`, one per request) after the request started; older
   * rows are deleted hourly. Unset = kept forever. The ledger and the daily rollups (`usage_daily`) are never deleted,
   * so debts and usage reports stay whole.
   */
  USAGE_RETENTION_DAYS: positiveInt.optional(),
  CATALOG_PATH: z.string().min(1).optional(),
  /**
   * A JSON or YAML file of extra OpenAI-compatible providers (vLLM, Ollama, Azure OpenAI, Groq…) with their models and
   * prices. The gateway reads it before the rest of the configuration (libs/providers `gatewayProviders`), so that the
   * settings it names are validated here too; listed here so that a deployment may set it like any other setting.
   */
  PROVIDERS_FILE: z.string().min(1).optional(),
  /** USD per bitcoin; when set, /v1/balance also answers in satoshis. */
  BTC_USD_RATE: decimalRate.optional(),
  /** A price endpoint answering the BTC/USD rate as JSON (used when BTC_USD_RATE is not set), and how old it may get. */
  BTC_USD_RATE_URL: url(['http:', 'https:']).optional(),
  BTC_USD_RATE_MAX_AGE_MS: positiveInt.default(600_000),
  /** The Lightning node that issues top-up invoices: `none` (top-ups refused), LND's REST API or an LNbits wallet. */
  LIGHTNING_BACKEND: z.enum(['none', 'lnd', 'lnbits']).default('none'),
  LND_REST_URL: url(['http:', 'https:']).optional(),
  /** An invoice macaroon, hex (or LND_MACAROON_PATH: the macaroon file LND wrote). */
  LND_MACAROON_HEX: z.string().regex(/^[0-9a-fA-F]+$/, 'must be hex').optional(),
  LND_MACAROON_PATH: z.string().min(1).optional(),
  /** LND's TLS certificate (PEM file), which is self-signed. */
  LND_TLS_CERT_PATH: z.string().min(1).optional(),
  LNBITS_URL: url(['http:', 'https:']).optional(),
  LNBITS_API_KEY: z.string().min(1).optional(),
  /** One call to the Lightning node, in milliseconds. */
  LIGHTNING_TIMEOUT_MS: positiveInt.default(10_000),
  /** L402: a request without credentials gets 402 with an invoice priced at its worst case, and pays per request. */
  L402_ENABLED: z.enum(['true', 'false']).default('false'),
  /** The root key L402 macaroons are signed with: at least 32 bytes, hex. */
  L402_ROOT_KEY: z.string().regex(/^([0-9a-fA-F]{2}){32,}$/, 'must be at least 32 bytes of hex').optional(),
  /** How long a paid L402 credential can be used, in hours. */
  L402_VALID_HOURS: positiveInt.default(24),
  /**
   * x402 (USDC on Base): with X402_PAY_TO and X402_NETWORK set, a completion without credentials gets 402 with x402
   * payment requirements for its worst case, and a request carrying `X-PAYMENT` / `PAYMENT-SIGNATURE` pays for itself.
   */
  X402_PAY_TO: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be an 0x address (40 hex digits)').optional(),
  X402_NETWORK: z.enum(['base', 'base-sepolia']).optional(),
  /** An x402 facilitator (`/verify`, `/settle`): payments are settled on-chain through it before the provider is called. */
  X402_FACILITATOR_URL: url(['http:', 'https:']).optional(),
  /** USD debt of a wallet-bound account past which its next call must settle the debt over x402 (else its credit limit). */
  X402_DEBT_THRESHOLD: decimalRate.optional(),
  /** How long a client has to complete an x402 payment (the requirements' maxTimeoutSeconds). */
  X402_MAX_TIMEOUT_SECONDS: positiveInt.default(300),
  /** How long a top-up invoice can be paid, in seconds. */
  INVOICE_EXPIRY_SECONDS: positiveInt.default(3_600),
  /** Bounds of one top-up, in satoshis. */
  TOPUP_MIN_SATS: positiveInt.default(100),
  TOPUP_MAX_SATS: positiveInt.default(10_000_000),
  /**
   * tollgate's own access tokens (JWTs from `POST /v1/authorize`): HS256 with JWT_SECRET, or RS256 with a key pair
   * (JWT_PRIVATE_KEY_PEM/JWT_PUBLIC_KEY_PEM, or their *_PATH files). JWT_ALGORITHM defaults to what is configured;
   * none of them set = JWTs are not accepted and /v1/authorize answers 503.
   */
  JWT_ALGORITHM: z.enum(['HS256', 'RS256']).optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 48)').optional(),
  JWT_PRIVATE_KEY_PEM: z.string().min(1).optional(),
  JWT_PUBLIC_KEY_PEM: z.string().min(1).optional(),
  JWT_PRIVATE_KEY_PATH: z.string().min(1).optional(),
  JWT_PUBLIC_KEY_PATH: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).default('tollgate'),
  JWT_AUDIENCE: z.string().min(1).default('tollgate'),
  /** Lifetime of a token from /v1/authorize, in seconds. */
  JWT_TTL_SECONDS: positiveInt.default(3_600),
  /** The EIP-4361 `domain` wallet sign-in messages must name; unset = the request's Host. */
  AUTHORIZE_DOMAIN: z.string().min(1).optional(),
  /** How long a sign-in nonce from GET /v1/authorize/nonce can be used, in seconds. */
  AUTHORIZE_NONCE_TTL_SECONDS: positiveInt.default(300),
  /**
   * A platform identity provider whose RS256/ES256 tokens are accepted too: its JWKS (or one PEM public key), issuer
   * and audience, and the claim naming the account (e.g. `team`; one account per value, created on first use with
   * JWT_IDP_CREDIT_LIMIT USD of credit — default 0: the operator grants credit or tops the account up).
   */
  JWT_JWKS_URL: url(['http:', 'https:']).optional(),
  JWT_IDP_PUBLIC_KEY_PEM: z.string().min(1).optional(),
  JWT_IDP_PUBLIC_KEY_PATH: z.string().min(1).optional(),
  JWT_IDP_ISSUER: z.string().min(1).optional(),
  JWT_IDP_AUDIENCE: z.string().min(1).optional(),
  JWT_IDP_ACCOUNT_CLAIM: z.string().min(1).optional(),
  JWT_IDP_CREDIT_LIMIT: decimalRate.default('0'),
  /** Upstream timeouts in milliseconds: TCP connect, first response byte, silence between stream chunks. */
  UPSTREAM_CONNECT_TIMEOUT_MS: positiveInt.default(10_000),
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: positiveInt.default(120_000),
  UPSTREAM_IDLE_TIMEOUT_MS: positiveInt.default(60_000),
  /** First-byte timeout of a non-streaming call, whose headers come only once the whole answer is generated. */
  UPSTREAM_GENERATE_TIMEOUT_MS: positiveInt.default(600_000),
  /** First backoff between upstream retries (doubles each try, with jitter). */
  UPSTREAM_RETRY_BASE_DELAY_MS: positiveInt.default(250),
  /** Attempts per model on retryable upstream errors before falling back (1 = no retry). */
  UPSTREAM_MAX_ATTEMPTS: positiveInt.default(3),
  /**
   * How long a provider key that keeps failing (3 auth failures or 429s in a row) is left out of the rotation, in
   * milliseconds; a 429's retry-after, when given, is used instead.
   */
  PROVIDER_KEY_BENCH_MS: positiveInt.default(60_000),
});

/**
 * A setting declared by another module rather than listed in configSchema: each provider folder declares its base
 * URL and key (libs/providers derives the list from its registry: `providerSettingDeclarations`), so adding a
 * provider edits nothing here. Declared settings are validated with the rest, and a bad one is named the same way.
 */
export interface DeclaredSetting {
  /** The environment variable, e.g. `OPENAI_BASE_URL`. */
  name: string;
  /**
   * `url`: an http: or https: URL; `secret`: any non-empty string (a key), never quoted; `secret-list`: keys
   * separated by commas, none empty or repeated (see splitSecretList), never quoted.
   */
  kind: 'url' | 'secret' | 'secret-list';
  /** The value when it is not set. */
  default?: string;
}

/** The validated configuration: configSchema's settings, and the declared ones that are set or have a default. */
export type Config = z.infer<typeof configSchema> & {
  /** Declared settings by name (see DeclaredSetting); one that is unset and has no default is absent. */
  declared: Readonly<Record<string, string>>;
};

function declaredSettingSchema(setting: DeclaredSetting): z.ZodType<string | undefined> {
  const value =
    setting.kind === 'url'
      ? url(['http:', 'https:'])
      : setting.kind === 'secret-list'
        ? z.string().superRefine((list, context) => {
            const problem = secretListProblem(list);
            if (problem) context.addIssue({ code: 'custom', message: problem });
          })
        : z.string().min(1);
  return setting.default === undefined ? value.optional() : value.default(setting.default);
}

/**
 * Reads and validates the configuration from an environment, with the settings other modules declare (the gateway
 * passes its providers' settings). Empty strings count as unset.
 * Throws a ConfigError naming every bad setting and what is wrong with it — never its value: a malformed URL or
 * key may hold a password, and this message goes to logs.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, declared: readonly DeclaredSetting[] = []): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const declaredShape: Record<string, z.ZodType<string | undefined>> = {};
  for (const setting of declared) {
    if (setting.name in configSchema.shape || setting.name in declaredShape) throw new Error(`setting ${setting.name} is declared twice`);
    declaredShape[setting.name] = declaredSettingSchema(setting);
  }
  const parsed = configSchema.extend(declaredShape).safeParse(present);
  if (parsed.success) {
    const values: Record<string, unknown> = { ...parsed.data };
    const declaredValues: Record<string, string> = {};
    for (const name of Object.keys(declaredShape)) {
      if (typeof values[name] === 'string') declaredValues[name] = values[name];
      delete values[name];
    }
    return resolveAccessSettings({ ...(values as z.infer<typeof configSchema>), declared: declaredValues });
  }
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${describeIssue(issue)}`);
  throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
}

/** What is wrong with a setting, in words that never quote what was given. */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => String(value)).join(', ')}`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be a whole number' : `must be a ${issue.expected}`;
    case 'too_small':
      return issue.inclusive === false ? `must be greater than ${String(issue.minimum)}` : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.inclusive === false ? `must be less than ${String(issue.maximum)}` : `must be at most ${String(issue.maximum)}`;
    case 'invalid_format':
    case 'custom':
      // Our own messages (regex and URL checks) describe the expected form without echoing the input.
      return issue.message;
    default:
      return 'is not valid';
  }
}
