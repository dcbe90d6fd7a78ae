import express, { type Express } from 'express';
import type { PrismaClient } from '@tollgate/db';
import type { Logger } from 'pino';
import { adminRouter } from './admin/admin-router';
import type { AdminDeps } from './admin/admin-deps';
import { openApiDocument } from './admin/openapi-document';
import { authenticate } from './auth/authenticate';
import type { AccessTokens } from './auth/access-tokens';
import type { JwtAuthentication } from './auth/jwt-callers';
import type { KeyOwnerCache } from './auth/key-owner-cache';
import type { CompletionDeps } from './completion/completion-deps';
import type { TopupDeps } from './topup/topup-deps';
import { topupPageHandler, topupQrHandler } from './topup/topup-page';
import { tokensHandler, topupHandler } from './topup/topup-routes';
import { GatewayError } from './errors/gateway-error';
import { errorMiddleware } from './http/error-middleware';
import { jsonBody, optionalJsonBody } from './http/read-json-body';
import { requestIdMiddleware } from './http/request-id';
import { cors, securityHeaders } from './http/security-headers';
import { authorizeHandler, nonceHandler, type AuthorizeDeps } from './routes/authorize-routes';
import { balanceHandler } from './routes/balance-route';
import { capabilitiesHandler } from './routes/capabilities-route';
import { chatCompletionsHandler } from './routes/chat-completions-route';
import { healthHandler, readinessHandler, type ReadinessCheck } from './routes/health-routes';
import { messagesHandler } from './routes/messages-route';
import { modelsHandler } from './routes/models-route';
import { settleHandler } from './x402/settle-route';
import type { GatewayMetrics } from './observability/gateway-metrics';
import { metricsHandler } from './observability/metrics-route';
import { requestObserver } from './observability/request-observer';

/** Everything the HTTP app needs; built by main.ts (or a test) from real connections. */
export interface GatewayDeps extends CompletionDeps, TopupDeps {
  prisma: PrismaClient;
  admin: Omit<AdminDeps, 'prisma' | 'logger'>;
  keyCache: KeyOwnerCache;
  /** tollgate's own JWTs (from /v1/authorize), when JWT_* settings are configured; else JWTs are not accepted. */
  accessTokens?: AccessTokens;
  /** JWT callers (ours and a platform IdP's), when either is configured. */
  jwt?: JwtAuthentication;
  signIn: AuthorizeDeps['signIn'];
  bodyLimitBytes: number;
  /** CORS_ORIGINS: origins a browser may call from (`*` = any); empty = no cross-origin access. */
  corsOrigins?: readonly string[];
  /** USD per bitcoin, when configured: balances are then also given in satoshis. */
  btcUsdRate?: string;
  readiness: Record<string, ReadinessCheck>;
  /** The readiness checks that take this replica out of the Service when they fail (see readinessHandler). */
  readinessRequired?: readonly string[];
  logger: Logger;
  metrics: GatewayMetrics;
  /** METRICS_TOKEN: when set, /metrics asks for it as a bearer token. */
  metricsToken?: string;
}

/** The gateway's Express app. The hot path reads top-down: route → authenticate → body → provider → wire → meter. */
export function createApp(deps: GatewayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestIdMiddleware);
  app.use(requestObserver(deps.logger, deps.metrics, deps.tracer));
  app.use(securityHeaders);
  app.use(cors(deps.corsOrigins ?? []));

  app.get('/healthz', healthHandler);
  // Prometheus scrapes: no caller auth (METRICS_TOKEN, when set); route only /v1 and /admin from a public ingress.
  app.get('/metrics', metricsHandler(deps.metrics.registry, deps.metricsToken));
  app.get('/readyz', readinessHandler(deps.readiness, deps.logger, () => deps.drain?.draining === true, deps.readinessRequired));
  app.get('/v1/models', modelsHandler(deps.registry));

  // Completions may be paid per request with L402 (when enabled): without credentials they are answered 402.
  // With x402 (when enabled) they are answered 402 with payment requirements, or pay for themselves (X-PAYMENT, PAYMENT-SIGNATURE).
  const auth = authenticate(deps.keyCache, { l402: deps.l402, l402Challenge: true, x402: deps.x402 !== undefined, jwt: deps.jwt });
  const authenticated = authenticate(deps.keyCache, { l402: deps.l402, jwt: deps.jwt });
  const body = jsonBody(deps.bodyLimitBytes);
  app.post('/v1/chat/completions', auth, body, chatCompletionsHandler(deps));
  app.post('/v1/chat', auth, body, chatCompletionsHandler(deps)); // LightningProx's name for the same API
  app.post('/v1/messages', auth, body, messagesHandler(deps));
  app.get('/v1/balance', authenticated, balanceHandler(deps.prisma, deps.btcUsdRate));
  app.post('/v1/settle', authenticated, settleHandler(deps.x402)); // a wallet pays its debt over x402
  app.get('/api/capabilities', capabilitiesHandler(deps.registry));
  // Sign-in: a JWT for a wallet (EIP-4361 or EIP-712 over a single-use nonce) or in exchange for an API key.
  app.get('/v1/authorize/nonce', nonceHandler(deps));
  app.post('/v1/authorize', optionalJsonBody(body), authorizeHandler(deps));
  // Prepaid credit for Lightning invoices (LightningProx's routes; `/v1/invoice` is its other name for `/v1/topup`).
  app.post('/v1/topup', body, topupHandler(deps));
  app.post('/v1/invoice', body, topupHandler(deps));
  app.post('/v1/tokens', body, tokensHandler(deps));
  app.get('/topup', topupPageHandler);
  app.get('/topup/qr.svg', topupQrHandler);
  app.use('/admin', adminRouter({ ...deps.admin, prisma: deps.prisma, logger: deps.logger, catalog: deps.registry.catalog, accessTokens: deps.accessTokens }));
  let openApi: ReturnType<typeof openApiDocument> | undefined;
  app.get('/openapi.json', (_request, response) => {
    openApi ??= openApiDocument();
    response.json(openApi);
  });

  app.use((request, _response, next) => {
    next(new GatewayError({ status: 404, type: 'invalid_request_error', code: 'not_found', message: `Unknown route: ${request.method} ${request.path.length > 200 ? `${request.path.slice(0, 200)}…` : request.path}` }));
  });
  app.use(errorMiddleware(deps.logger, (caller) => deps.admission.peek(caller)));
  return app;
}
