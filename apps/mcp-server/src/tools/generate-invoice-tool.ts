import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { InvoiceResponse } from '../gateway-client';
import type { ToolDependencies } from './tool-dependencies';
import { toolError, toolSuccess } from './tool-result';

export function formatInvoice(invoice: InvoiceResponse): string {
  return [
    `Lightning invoice for ${invoice.amount_sats} sats ($${invoice.amount_usd} of credit):`,
    invoice.payment_request,
    '',
    `Charge ID: ${invoice.charge_id}`,
    `Expires: ${invoice.expires_at}`,
    'Pay it with any Lightning wallet, then call check_payment with this charge_id to receive your spend token.',
  ].join('\n');
}

/** `generate_invoice` (LightningProx's name and input): a Lightning invoice that buys a prepaid spend token. */
export function registerGenerateInvoiceTool(server: McpServer, { gateway }: ToolDependencies): RegisteredTool {
  return server.registerTool(
    'generate_invoice',
    {
      title: 'Buy credit with Lightning',
      description: 'Generate a Lightning invoice to buy a prepaid tollgate spend token. Pay it, then call check_payment with the charge_id.',
      inputSchema: {
        amount_sats: z.number().int().positive().describe('Amount in satoshis'),
        duration_hours: z.number().int().positive().optional().describe('How long the spend token stays valid (default 720 hours)'),
      },
      outputSchema: { charge_id: z.string(), payment_request: z.string(), amount_sats: z.number(), amount_usd: z.string(), expires_at: z.string() },
      annotations: { openWorldHint: true },
    },
    async ({ amount_sats, duration_hours }, extra) => {
      try {
        const invoice = await gateway.createInvoice({ amountSats: amount_sats, durationHours: duration_hours }, extra.signal);
        const { charge_id, payment_request, expires_at, amount_usd } = invoice;
        return toolSuccess(formatInvoice(invoice), { charge_id, payment_request, amount_sats: invoice.amount_sats, amount_usd, expires_at });
      } catch (error) {
        return toolError(error);
      }
    },
  );
}
