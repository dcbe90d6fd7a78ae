import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createServer } from './create-server';
import { createGatewayClient } from './gateway-client';
import { readSettings } from './settings';

// stdout carries the MCP protocol: everything meant for a person goes to stderr.
function log(message: string): void {
  process.stderr.write(`tollgate-mcp: ${message}\n`);
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const server = createServer({
    gateway: createGatewayClient({ baseUrl: settings.gatewayUrl }),
    defaultSpendToken: settings.defaultSpendToken,
  });
  const transport = new StdioServerTransport();
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    server.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // The client closing our stdin is the normal end of a stdio session.
  process.stdin.once('end', shutdown);
  await server.connect(transport);
  log(`serving over stdio; gateway ${settings.gatewayUrl}${settings.defaultSpendToken ? ', default spend token set' : ''}`);
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
