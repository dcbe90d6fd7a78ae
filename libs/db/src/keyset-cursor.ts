/**
 * The cursor of a listing ordered by (created_at, id): the last row of the previous page, base64url, opaque to
 * callers. The order only grows (or only shrinks) with new rows, so pages neither repeat nor skip a row.
 */
export function encodeKeysetCursor(row: { createdAt: Date | string; id: string }): string {
  const createdAt = typeof row.createdAt === 'string' ? row.createdAt : row.createdAt.toISOString();
  return Buffer.from(`${createdAt}|${row.id}`, 'utf8').toString('base64url');
}

/** The row a cursor stands for; null for a cursor no listing gave out (the caller says so in its own terms). */
export function decodeKeysetCursor(cursor: string): { createdAt: Date; id: string } | null {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(createdAt ?? '');
  if (!id || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) || Number.isNaN(date.getTime())) return null;
  return { createdAt: date, id };
}
