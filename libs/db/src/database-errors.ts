import { Prisma } from './generated/prisma/client';

/**
 * Driver-adapter error kinds (@prisma/adapter-pg) that mean the database cannot be used right now — unreachable,
 * closed, timed out, full, or refusing tollgate's login — as opposed to a query that is wrong.
 */
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
  'DatabaseDoesNotExist',
  'DatabaseAccessDenied',
  'AuthenticationFailed',
]);

/** Prisma's own codes for the same: can't reach, timed out, server closed the connection. */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017']);

/**
 * SQLSTATE classes and codes of the same kind: 08 connection exception, 53 insufficient resources, 57014
 * query_canceled (statement_timeout), 57P01–57P05 shutdown / cannot connect now / idle timeouts.
 */
const UNAVAILABLE_SQLSTATE = /^(08|53)|^57(014|P0[1-5])$/;

/** node-postgres and pg-pool raise these as plain Errors, with no code to tell them apart. */
const UNAVAILABLE_DRIVER_MESSAGES = [
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Connection terminated unexpectedly',
  'Connection terminated',
];

interface AdapterErrorCause {
  kind?: unknown;
  code?: unknown;
  originalCode?: unknown;
  originalMessage?: unknown;
}

function adapterCause(error: Prisma.PrismaClientKnownRequestError): AdapterErrorCause | undefined {
  const driverAdapterError = (error.meta as { driverAdapterError?: { cause?: AdapterErrorCause } } | undefined)?.driverAdapterError;
  return driverAdapterError?.cause;
}

/**
 * Whether a database call failed because Postgres is unreachable, slow or refusing connections (the caller may
 * retry later: a 503), rather than because of the query (a bug: a 500). Checks the error and its causes.
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    if (current instanceof Prisma.PrismaClientInitializationError) return UNAVAILABLE_PRISMA_CODES.has(current.errorCode ?? '');
    if (current instanceof Prisma.PrismaClientKnownRequestError) {
      if (UNAVAILABLE_PRISMA_CODES.has(current.code)) return true;
      const cause = adapterCause(current);
      if (!cause) return false;
      if (typeof cause.kind === 'string' && UNAVAILABLE_KINDS.has(cause.kind)) return true;
      const sqlState = typeof cause.originalCode === 'string' ? cause.originalCode : cause.code;
      return typeof sqlState === 'string' && UNAVAILABLE_SQLSTATE.test(sqlState);
    }
    if (UNAVAILABLE_DRIVER_MESSAGES.includes(current.message)) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code)) return true;
  }
  return false;
}

/** Prisma's codes for data the database will never accept (unknown account, value out of range, ...). */
const REJECTED_PRISMA_CODES = new Set(['P2003', 'P2000', 'P2006', 'P2007', 'P2011', 'P2012', 'P2020', 'P2025']);

/** SQLSTATE classes of the same, as raw queries report them: 22 data exception, 23 integrity constraint violation. */
const REJECTED_SQLSTATE = /^(22|23)/;

/**
 * Why the database refused a write for good because of its data (retrying the same data fails the same way), from a
 * generated query or a raw one — e.g. `23503: insert or update on table "usage_records" violates foreign key
 * constraint …` — or undefined when the failure is not of that kind.
 */
export function databaseRejection(error: unknown): string | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  if (REJECTED_PRISMA_CODES.has(error.code)) return `${error.code}: ${error.message}`;
  const cause = adapterCause(error);
  const sqlState = typeof cause?.originalCode === 'string' ? cause.originalCode : cause?.code;
  if (typeof sqlState !== 'string' || !REJECTED_SQLSTATE.test(sqlState)) return undefined;
  return `${sqlState}: ${typeof cause?.originalMessage === 'string' ? cause.originalMessage : error.message}`;
}
