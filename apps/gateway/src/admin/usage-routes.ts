import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { stringify } from 'csv-stringify';
import { listDebtors, usageCsvColumns, usageCsvRecord, usageGroups, usageTotals, type UsageFilter, type UsageGroup } from '@tollgate/db';
import { debtorsQuerySchema, usageQuerySchema } from '@tollgate/schemas';
import type { AdminDeps } from './admin-deps';
import { parseQuery } from './admin-input';

/**
 * Who owes what, for which models, per day. `GET /usage` reads the daily rollups only (never the raw rows): figures
 * per group (`groupBy=day,model,…`) and totals, in UTC days, `from` and `to` both included. With `Accept: text/csv`
 * the groups are streamed as CSV a page at a time, never held whole. `GET /debtors`: the accounts owing most.
 */
export function usageRoutes(deps: AdminDeps): Router {
  const router = Router();

  router.get('/usage', async (request, response) => {
    const query = parseQuery(usageQuerySchema, request);
    const filter: UsageFilter = { accountId: query.account, apiKeyId: query.key, model: query.model, provider: query.provider, from: query.from, to: query.to };
    const groupBy = [...new Set((query.groupBy?.split(',') ?? []) as UsageGroup[])];
    if (request.accepts(['application/json', 'text/csv']) === 'text/csv') {
      if (groupBy.length === 0) groupBy.push('account');
      response.status(200).type('text/csv; charset=utf-8').setHeader('content-disposition', 'attachment; filename="usage.csv"');
      const records = Readable.from(
        (async function* () {
          for await (const row of usageGroups(deps.prisma, filter, groupBy)) yield usageCsvRecord(row, groupBy);
        })(),
      );
      // pipeline ends the response, stops reading pages when the caller goes away, and fails on either side's error.
      await pipeline(records, stringify({ header: true, columns: usageCsvColumns(groupBy) }), response);
      return;
    }
    const data = [];
    if (groupBy.length > 0) for await (const row of usageGroups(deps.prisma, filter, groupBy)) data.push(row);
    const totals = await usageTotals(deps.prisma, filter);
    response.json({ timeZone: 'UTC', from: query.from ?? null, to: query.to ?? null, groupBy, data, totals });
  });

  router.get('/debtors', async (request, response) => {
    const query = parseQuery(debtorsQuerySchema, request);
    response.json({ data: await listDebtors(deps.prisma, query) });
  });
  return router;
}
