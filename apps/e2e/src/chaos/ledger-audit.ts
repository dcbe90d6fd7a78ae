import { Decimal } from 'decimal.js';
import { Client } from 'pg';
import type { CallOutcome, ChaosCall } from './chaos-call';
import type { FaultyUpstream } from './faulty-upstream';

/** A call the audit found wrong, with what was expected. */
export interface Finding {
  callId: string;
  problem: 'lost' | 'doubled' | 'cost differs' | 'charged without a provider' | 'unknown row';
  detail: string;
}

export interface LedgerAudit {
  rows: number;
  findings: Finding[];
  /** Calls the client saw refused or unreached after the provider was reached: billed at most once (what it billed). */
  billedFailures: number;
}

/**
 * Holds the ledger against the clients' and the provider's own records. Every usage row carries the client's
 * `x-request-id` in its event, so each row maps back to one call:
 * - a call answered in full (`ok`) has exactly one row, at the cost the client was told;
 * - a call that began and was cut (`partial`), and every call the provider answered in full, has exactly one row;
 * - a call that never reached the provider costs nothing;
 * - no call has two rows, and no row belongs to no call.
 */
export async function auditLedger(databaseUrl: string, calls: ReadonlyMap<string, { call: ChaosCall; outcome: CallOutcome }>, upstream: FaultyUpstream): Promise<LedgerAudit> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ client_id: string | null; request_id: string; total: string; entries: string }>(
      `SELECT u.event->>'clientRequestId' AS client_id, u.request_id, u.total_cost::text AS total,
              (SELECT count(*) FROM ledger_entries l WHERE l.request_id = u.request_id)::text AS entries
         FROM usage_records u`,
    );
    const findings: Finding[] = [];
    const rowsOf = new Map<string, typeof rows>();
    for (const row of rows) {
      const callId = row.client_id?.replace(/^chaos-/, '');
      if (!callId || !calls.has(callId)) {
        findings.push({ callId: row.client_id ?? row.request_id, problem: 'unknown row', detail: `usage row ${row.request_id} belongs to no call` });
        continue;
      }
      if (row.entries !== '1') findings.push({ callId, problem: 'doubled', detail: `usage row ${row.request_id} has ${row.entries} ledger entries` });
      rowsOf.set(callId, [...(rowsOf.get(callId) ?? []), row]);
    }
    let billedFailures = 0;
    for (const [callId, { outcome }] of calls) {
      const billed = rowsOf.get(callId) ?? [];
      if (billed.length > 1) findings.push({ callId, problem: 'doubled', detail: `${billed.length} usage rows: ${billed.map((row) => row.request_id).join(', ')}` });
      const row = billed[0];
      const providerAnswered = upstream.answered.has(callId);
      if (outcome.kind === 'ok') {
        if (!row) findings.push({ callId, problem: 'lost', detail: `the client was told ${outcome.cost}; no usage row` });
        else if (!new Decimal(row.total).eq(outcome.cost)) findings.push({ callId, problem: 'cost differs', detail: `told ${outcome.cost}, ledger ${row.total}` });
        continue;
      }
      if (!row) {
        if (outcome.kind === 'partial' || providerAnswered) findings.push({ callId, problem: 'lost', detail: `${describe(outcome)}; the provider ${providerAnswered ? 'answered it in full' : 'was reached'}; no usage row` });
        continue;
      }
      if (outcome.kind === 'partial') continue;
      if (!upstream.seen.has(callId) && !new Decimal(row.total).isZero()) {
        findings.push({ callId, problem: 'charged without a provider', detail: `${describe(outcome)}, never reached the provider, billed ${row.total}` });
      } else billedFailures += 1;
    }
    return { rows: rows.length, findings, billedFailures };
  } finally {
    await client.end();
  }
}

export function describe(outcome: CallOutcome): string {
  switch (outcome.kind) {
    case 'ok':
      return `ok (${outcome.cost})`;
    case 'partial':
      return `partial (${outcome.reason})`;
    case 'refused':
      return `refused ${outcome.status} ${outcome.code}`;
    case 'unreached':
      return `unreached (${outcome.reason})`;
    case 'hung':
      return 'hung';
  }
}
