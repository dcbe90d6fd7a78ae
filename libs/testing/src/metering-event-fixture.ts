import { randomUUID } from 'node:crypto';
import type { MeteringEvent } from '@tollgate/schemas';

/** A valid metering event for tests (echo model, 16 in / 300 out), for the given account; fields may be overridden. */
export function meteringEventFixture(accountId: string, overrides: Partial<MeteringEvent> = {}): MeteringEvent {
  return {
    version: 1,
    requestId: `req_${randomUUID().replace(/-/g, '')}`,
    accountId,
    apiKeyId: null,
    authMethod: 'api-key',
    model: 'tollgate/echo',
    provider: 'tollgate',
    usage: { inputTokens: 16, outputTokens: 300, reasoningTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, source: 'reported' },
    prices: { input: '0.10', output: '0.40' },
    commissionRate: '0.10',
    cost: { base: '0.0001216', commission: '0.00001216', total: '0.00013376' },
    status: 'ok',
    streamed: false,
    timings: { startedAt: new Date().toISOString(), durationMs: 12 },
    ...overrides,
  };
}
