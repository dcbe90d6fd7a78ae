import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolDependencies } from './tool-dependencies';
import { formatInvoice } from './generate-invoice-tool';
import { toolError, toolSuccess } from './tool-result';

/**
 * `check_payment` (LightningProx's name and input): whether a charge's invoice is paid; once it is, the spend token
 * it bought (shown once). An expired or unknown charge is an error that says to generate a new invoice — never a
 * "try again" that could go on forever.
 */
export function registerCheckPaymentTool(server: McpServer, { gateway }: ToolDependencies): RegisteredTool {
  return server.registerTool(
    'check_payment',
    {
      title: 'Check a Lightning payment',
      description: 'Check whether the invoice of a charge (from generate_invoice) is paid; once it is, returns the spend token to pass to chat.',
      inputSchema: { charge_id: z.string().min(1).describe('The charge_id that generate_invoice returned') },
      outputSchema: { paid: z.boolean(), spend_token: z.string().nullable(), balance_usd: z.string().nullable(), status: z.string() },
      annotations: { openWorldHint: true },
    },
    async ({ charge_id }, extra) => {
      try {
        const answer = await gateway.redeemCharge(charge_id, extra.signal);
        if (!answer.paid) {
          const text = `Not paid yet. Pay this invoice, then call check_payment again:\n\n${formatInvoice(answer.invoice)}`;
          return toolSuccess(text, { paid: false, spend_token: null, balance_usd: null, status: 'unpaid' });
        }
        const { redeemed } = answer;
        if (redeemed.spend_token) {
          const text = [
            'Payment received.',
            `Spend token: ${redeemed.spend_token}`,
            `Balance: $${redeemed.balance_usd} USD`,
            `Expires: ${redeemed.expires_at ?? 'never'}`,
            'Pass it as spend_token to chat. It is shown only this once: keep it.',
          ].join('\n');
          return toolSuccess(text, { paid: true, spend_token: redeemed.spend_token, balance_usd: redeemed.balance_usd, status: 'redeemed' });
        }
        const status = redeemed.status ?? 'already_redeemed';
        const balance = redeemed.balance_usd === null ? 'get_balance with the spend token shows the balance.' : `Balance: $${redeemed.balance_usd} USD`;
        const text =
          status === 'credited'
            ? `Payment received and credited to the spend token it topped up. ${balance}`
            : `This charge was already redeemed; its spend token was shown then. ${balance}`;
        return toolSuccess(text, { paid: true, spend_token: null, balance_usd: redeemed.balance_usd, status });
      } catch (error) {
        return toolError(error);
      }
    },
  );
}
