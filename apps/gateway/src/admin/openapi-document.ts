import { createDocument, type ZodOpenApiOperationObject } from 'zod-openapi';
import { z } from 'zod';
import {
  accountPageSchema,
  accountSchema,
  anthropicMessagesRequestSchema,
  auditPageSchema,
  auditQuerySchema,
  chatCompletionRequestSchema,
  createAccountBodySchema,
  createdAccountSchema,
  debtorsQuerySchema,
  debtorsSchema,
  issueKeyBodySchema,
  issuedKeySchema,
  keyListSchema,
  keySchema,
  listAccountsQuerySchema,
  openAiErrorBodySchema,
  paymentPageSchema,
  recordedPaymentSchema,
  settlementBodySchema,
  topupBodySchema,
  updateAccountBodySchema,
  usageQuerySchema,
  usageReportSchema,
} from '@tollgate/schemas';
import { siweSignInSchema, typedDataSignInSchema } from '../auth/wallet-sign-in';

const errorBody = openAiErrorBodySchema.meta({ id: 'Error' });
const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { description: ERROR_TEXT[status] ?? 'error', ...json(errorBody) }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request (the field is named in `param`)',
  401: 'no or an invalid token',
  402: 'the funds do not cover the worst case of this request',
  403: 'not allowed (an API key on /admin, a suspended account, the admin API disabled)',
  404: 'no such object',
  409: 'the Idempotency-Key was used with another body',
  429: 'over a rate limit',
  503: 'a dependency is unavailable; retry',
};
const idPath = z.object({ id: z.uuid() });
const idempotencyHeader = z.object({ 'idempotency-key': z.string().max(200).optional().meta({ description: 'the same key with the same body returns the first result' }) });

/** An admin operation: bearer-authenticated with the admin token. */
const admin = (operation: ZodOpenApiOperationObject): ZodOpenApiOperationObject => ({
  tags: ['admin'],
  security: [{ adminToken: [] }],
  ...operation,
  responses: { ...operation.responses, ...errors(400, 401, 403, 503) },
});

/**
 * The OpenAPI 3.1 document of the public and admin APIs, generated from the same zod schemas that validate the
 * requests (built once, on first use).
 */
export function openApiDocument(): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'tollgate',
      version: '1',
      description:
        'A metered LLM gateway: OpenAI Chat Completions and Anthropic Messages in front of several providers, billed per token into a ledger. ' +
        'Money is USD as decimal strings. Usage days are UTC.',
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'an API key (tg_…), a spend token (tgst_…), or a JWT from POST /v1/authorize (or the platform IdP)' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
      },
    },
    paths: {
      '/v1/chat/completions': {
        post: {
          tags: ['completions'],
          summary: 'OpenAI Chat Completions (JSON, or SSE with stream: true)',
          security: [{ apiKey: [] }],
          requestBody: json(chatCompletionRequestSchema),
          responses: { '200': { description: 'a chat.completion object, or text/event-stream of chat.completion.chunk' }, ...errors(400, 401, 402, 403, 429, 503) },
        },
      },
      '/v1/messages': {
        post: {
          tags: ['completions'],
          summary: 'Anthropic Messages (JSON, or SSE with stream: true)',
          security: [{ apiKey: [] }],
          requestBody: json(anthropicMessagesRequestSchema),
          responses: { '200': { description: 'a message object, or text/event-stream of Anthropic events' } },
        },
      },
      '/v1/models': { get: { tags: ['models'], summary: 'the models this gateway serves', responses: { '200': { description: 'OpenAI list of models' } } } },
      '/v1/balance': { get: { tags: ['completions'], security: [{ apiKey: [] }], summary: "the caller's funds", responses: { '200': { description: 'debt, credit limit, available' } } } },
      '/v1/settle': {
        post: {
          tags: ['completions'],
          security: [{ apiKey: [] }],
          summary: "a wallet-bound caller (wallet JWT) pays its outstanding debt over x402 (X-PAYMENT or PAYMENT-SIGNATURE)",
          responses: {
            '200': { description: '{account_id, wallet_address, settled_usd, debt_usd, reference}: settled, or nothing to settle' },
            '402': { description: "x402 payment requirements for the debt: the v1 body {x402Version: 1, error, accepts} and the v2 PAYMENT-REQUIRED header; error is the x402 reason when a payment was refused" },
            ...errors(401, 403, 404, 503),
          },
        },
      },
      '/v1/authorize/nonce': {
        get: { tags: ['sign-in'], summary: 'a single-use nonce for a wallet sign-in', responses: { '200': { description: '{nonce, expiresAt}' }, ...errors(503) } },
      },
      '/v1/authorize': {
        post: {
          tags: ['sign-in'],
          summary: 'a JWT for a wallet (EIP-4361 message or EIP-712 typed data, signed over a nonce) or, with no body, for the API key in Authorization: Bearer',
          requestBody: { required: false, ...json(z.union([siweSignInSchema, typedDataSignInSchema])) },
          responses: { '201': { description: '{token, expiresAt, account: {id, walletAddress}}' }, ...errors(400, 401, 403, 503) },
        },
      },
      '/healthz': { get: { tags: ['health'], summary: 'liveness', responses: { '200': { description: 'alive' } } } },
      '/readyz': { get: { tags: ['health'], summary: 'readiness: draining or an unwritable spool take the replica out; Postgres and Redis are reported (degraded), shared by every replica', responses: { '200': { description: 'ready or degraded' }, '503': { description: 'draining or not ready' } } } },
      '/admin/accounts': {
        get: admin({ summary: 'list accounts (cursor pagination, oldest first)', requestParams: { query: listAccountsQuerySchema }, responses: { '200': { description: 'a page', ...json(accountPageSchema) } } }),
        post: admin({ summary: 'create an account and its first key', requestBody: json(createAccountBodySchema), responses: { '201': { description: 'created; the key is shown once', ...json(createdAccountSchema) } } }),
      },
      '/admin/accounts/{id}': {
        get: admin({ summary: 'one account', requestParams: { path: idPath }, responses: { '200': { description: 'the account', ...json(accountSchema) }, ...errors(404) } }),
        patch: admin({
          summary: 'change name, credit limit or per-minute limits',
          requestParams: { path: idPath },
          requestBody: json(updateAccountBodySchema),
          responses: { '200': { description: 'the account after the change', ...json(accountSchema) }, ...errors(404) },
        }),
      },
      '/admin/accounts/{id}/suspend': { post: admin({ summary: 'refuse every request of the account', requestParams: { path: idPath }, responses: { '200': { description: 'the account', ...json(accountSchema) }, ...errors(404) } }) },
      '/admin/accounts/{id}/resume': { post: admin({ summary: 'serve a suspended account again', requestParams: { path: idPath }, responses: { '200': { description: 'the account', ...json(accountSchema) }, ...errors(404) } }) },
      '/admin/accounts/{id}/keys': {
        get: admin({ summary: "the account's keys", requestParams: { path: idPath }, responses: { '200': { description: 'keys, never the keys themselves', ...json(keyListSchema) }, ...errors(404) } }),
        post: admin({ summary: 'issue a key', requestParams: { path: idPath }, requestBody: json(issueKeyBodySchema), responses: { '201': { description: 'the key, shown once', ...json(issuedKeySchema) }, ...errors(404) } }),
      },
      '/admin/keys/{id}/revoke': { post: admin({ summary: 'revoke a key on every replica', requestParams: { path: idPath }, responses: { '200': { description: 'the key', ...json(keySchema) }, ...errors(404) } }) },
      '/admin/accounts/{id}/topups': {
        post: admin({
          summary: 'prepaid credit: lowers debt, so available funds grow',
          requestParams: { path: idPath, header: idempotencyHeader },
          requestBody: json(topupBodySchema),
          responses: { '201': { description: 'recorded', ...json(recordedPaymentSchema) }, '200': { description: 'a replay of an Idempotency-Key', ...json(recordedPaymentSchema) }, ...errors(404, 409) },
        }),
      },
      '/admin/accounts/{id}/settlements': {
        post: admin({
          summary: 'a payment against debt, with its external reference',
          requestParams: { path: idPath, header: idempotencyHeader },
          requestBody: json(settlementBodySchema),
          responses: { '201': { description: 'recorded', ...json(recordedPaymentSchema) }, '200': { description: 'a replay of an Idempotency-Key', ...json(recordedPaymentSchema) }, ...errors(404, 409) },
        }),
      },
      '/admin/accounts/{id}/payments': {
        get: admin({ summary: "the account's top-ups and settlements, newest first", requestParams: { path: idPath }, responses: { '200': { description: 'a page', ...json(paymentPageSchema) } } }),
      },
      '/admin/usage': {
        get: admin({
          summary: 'usage per group and totals from the daily rollups (UTC days, from and to included); Accept: text/csv streams the groups as CSV',
          requestParams: { query: usageQuerySchema },
          responses: { '200': { description: 'the report', content: { 'application/json': { schema: usageReportSchema }, 'text/csv': { schema: z.string() } } } },
        }),
      },
      '/admin/debtors': { get: admin({ summary: 'the accounts owing most', requestParams: { query: debtorsQuerySchema }, responses: { '200': { description: 'highest debt first', ...json(debtorsSchema) } } }) },
      '/admin/audit': { get: admin({ summary: 'every admin write, newest first', requestParams: { query: auditQuerySchema }, responses: { '200': { description: 'a page', ...json(auditPageSchema) } } }) },
    },
  });
}
