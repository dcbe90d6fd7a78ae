import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { BalanceResponse } from '../gateway-client';
import { resolveSpendToken, spendTokenInput } from './spend-token';
import type { ToolDependencies } from './tool-dependencies';
import { toolError, toolSuccess } from './tool-result';

export function formatBalance(balance: BalanceResponse): string {
  return [
    `Balance: $${balance.balance_usd} USD (credit limit $${balance.credit_limit_usd}, debt $${balance.debt_usd})`,
    `Used: ${balance.requests} requests, ${balance.tokens} tokens`,
    `Expires: ${balance.expires_at ?? 'never'}`,
  ].join('\n');
}

/** `get_balance`: what a spend token has left (`GET /v1/balance`). */
export function registerGetBalanceTool(server: McpServer, { gateway, defaultSpendToken }: ToolDependencies): RegisteredTool {
  return server.registerTool(
    'get_balance',
    {
      title: 'Spend token balance',
      description: 'Check the remaining balance (USD) of a tollgate spend token, with the requests and tokens it has used and when it expires.',
      inputSchema: { spend_token: spendTokenInput(defaultSpendToken) },
      outputSchema: {
        balance_usd: z.string(),
        credit_limit_usd: z.string(),
        debt_usd: z.string(),
        requests: z.number().int(),
        tokens: z.number().int(),
        expires_at: z.string().nullable(),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ spend_token }, extra) => {
      try {
        const balance = await gateway.getBalance(resolveSpendToken(spend_token, defaultSpendToken), extra.signal);
        const { balance_usd, credit_limit_usd, debt_usd, requests, tokens, expires_at } = balance;
        return toolSuccess(formatBalance(balance), { balance_usd, credit_limit_usd, debt_usd, requests, tokens, expires_at });
      } catch (error) {
        return toolError(error);
      }
    },
  );
}
