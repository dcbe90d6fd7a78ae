import type { AuthMethod } from '@tollgate/schemas';

/** Who is calling, as established by authentication; kept on `res.locals.caller`. */
export interface Caller {
  accountId: string;
  apiKeyId: string | null;
  authMethod: AuthMethod;
  creditLimit: string;
  expiresAt: Date | null;
}
