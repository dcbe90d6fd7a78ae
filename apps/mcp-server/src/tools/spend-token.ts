import { z } from 'zod';

const DESCRIPTION =
  'tollgate spend token (starts with tgst_; a tollgate API key, tg_…, works too). Get one from your tollgate operator (`tollgate spend-tokens create`)';

/**
 * The `spend_token` input: required, unless the server was started with a default token (`TOLLGATE_SPEND_TOKEN`),
 * in which case a call may still bring its own.
 */
export function spendTokenInput(defaultSpendToken: string | undefined) {
  const token = z.string().trim().min(1);
  return defaultSpendToken === undefined
    ? token.describe(DESCRIPTION)
    : token.optional().describe(`${DESCRIPTION}. Optional: this server was started with TOLLGATE_SPEND_TOKEN, used when none is given`);
}

/** The token a call pays with: its own, else the server's default. */
export function resolveSpendToken(given: string | undefined, defaultSpendToken: string | undefined): string {
  const token = given ?? defaultSpendToken;
  // The input schema already requires spend_token when there is no default; this guards the type, not the caller.
  if (token === undefined) throw new Error('spend_token is required (or start the server with TOLLGATE_SPEND_TOKEN)');
  return token;
}
