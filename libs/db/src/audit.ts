import type { Prisma, PrismaClient } from './prisma-client';

/** A client or an open transaction: an audit row is written in the same transaction as the change it describes. */
type Db = Pick<PrismaClient, 'auditEntry'> | Prisma.TransactionClient;

/** One admin write: who did what to which object, and the object's state before and after (null where none). */
export interface AuditInput {
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
}

/** An audit row as operators read it. */
export interface AuditView extends AuditInput {
  id: string;
  createdAt: string;
}

/** JSON as stored: bigints as strings, dates as ISO strings; null stays SQL NULL. */
function asJson(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  return JSON.parse(JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item))) as Prisma.InputJsonValue;
}

/** Records one admin write. */
export async function recordAudit(db: Db, input: AuditInput): Promise<void> {
  await db.auditEntry.create({
    data: { actor: input.actor, action: input.action, targetType: input.targetType, targetId: input.targetId, before: asJson(input.before), after: asJson(input.after) },
  });
}

/**
 * Audit rows, newest first, optionally of one target; `cursor` is the `nextCursor` of the previous page (a keyset on
 * the row id, so a page is stable while new rows are written).
 */
export async function listAudit(
  prisma: PrismaClient,
  options: { limit?: number; cursor?: string; targetType?: string; targetId?: string } = {},
): Promise<{ entries: AuditView[]; nextCursor: string | null }> {
  const limit = options.limit ?? 50;
  const rows = await prisma.auditEntry.findMany({
    where: {
      ...(options.cursor ? { id: { lt: BigInt(options.cursor) } } : {}),
      ...(options.targetType ? { targetType: options.targetType } : {}),
      ...(options.targetId ? { targetId: options.targetId } : {}),
    },
    orderBy: { id: 'desc' },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  return {
    entries: page.map((row) => ({
      id: row.id.toString(),
      actor: row.actor,
      action: row.action,
      targetType: row.targetType,
      targetId: row.targetId,
      before: row.before,
      after: row.after,
      createdAt: row.createdAt.toISOString(),
    })),
    nextCursor: rows.length > limit ? (page.at(-1)?.id.toString() ?? null) : null,
  };
}
