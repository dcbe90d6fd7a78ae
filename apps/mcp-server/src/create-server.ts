import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { GatewayClient } from './gateway-client';
import { registerChatTool } from './tools/chat-tool';
import { registerCheckPaymentTool } from './tools/check-payment-tool';
import { registerGenerateInvoiceTool } from './tools/generate-invoice-tool';
import { registerGetBalanceTool } from './tools/get-balance-tool';
import { registerListModelsTool } from './tools/list-models-tool';
import type { ToolDependencies } from './tools/tool-dependencies';

/** The version this server reports to MCP clients. */
export const MCP_SERVER_VERSION = '0.1.0';

export interface CreateServerOptions {
  gateway: GatewayClient;
  /** Pays for calls that bring no `spend_token` (TOLLGATE_SPEND_TOKEN); without it `spend_token` is required. */
  defaultSpendToken?: string;
}

/**
 * The tollgate MCP server: `chat`, `list_models`, `get_balance`, `generate_invoice` and `check_payment` over the
 * gateway — the names and inputs of the LightningProx tools, so an agent configured for those finds the same tools
 * here. Not yet connected to a transport.
 */
export function createServer(options: CreateServerOptions): McpServer {
  const server = new McpServer(
    { name: 'tollgate', title: 'tollgate', version: MCP_SERVER_VERSION },
    {
      instructions:
        'tollgate is a metered LLM gateway. Use list_models to see the models and their prices, chat to send a message to one (each call is paid from the spend token), get_balance to see what the token has left. Without a token, generate_invoice gives a Lightning invoice that buys one; once it is paid, check_payment returns the token.',
    },
  );
  const dependencies: ToolDependencies = { gateway: options.gateway, defaultSpendToken: options.defaultSpendToken };
  registerChatTool(server, dependencies);
  registerListModelsTool(server, dependencies);
  registerGetBalanceTool(server, dependencies);
  registerGenerateInvoiceTool(server, dependencies);
  registerCheckPaymentTool(server, dependencies);
  return server;
}
