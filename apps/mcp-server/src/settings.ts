import { z } from 'zod';

/** The default gateway address: a tollgate started with `npm start` on the same machine. */
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

/** What the MCP server reads from its environment (the MCP client's `env` block). */
export interface McpServerSettings {
  /** The gateway's base URL, without a trailing slash. */
  gatewayUrl: string;
  /** A spend token used when a tool call brings none; `undefined` makes `spend_token` a required input. */
  defaultSpendToken: string | undefined;
}

// MCP clients often write an unset variable as "": treat blank as unset rather than as a URL or a token.
const blankAsUnset = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const environmentSchema = z.object({
  TOLLGATE_URL: z.preprocess(
    blankAsUnset,
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:8080' })
      .default(DEFAULT_GATEWAY_URL),
  ),
  TOLLGATE_SPEND_TOKEN: z.preprocess(blankAsUnset, z.string().trim().optional()),
});

/**
 * Reads the settings from an environment. Throws an Error naming the bad setting, so the server stops at start
 * with a clear message instead of failing on its first tool call.
 */
export function readSettings(environment: NodeJS.ProcessEnv): McpServerSettings {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`bad setting: ${problems.join('; ')}`);
  }
  return {
    gatewayUrl: parsed.data.TOLLGATE_URL.replace(/\/+$/, ''),
    defaultSpendToken: parsed.data.TOLLGATE_SPEND_TOKEN,
  };
}
