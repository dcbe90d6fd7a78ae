import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { compareDecimals, subtractDecimals, sumDecimals } from '@tollgate/billing';
import { REPO_ROOT } from './support/run-cli';
import { startStack, type Stack } from './support/stack';

/** The answer format of the seed's `chat` tool: the text, a blank line, then the token counts. */
const CHAT_ANSWER = /^(?<text>[\s\S]*)\n\n— (?<input>\d+) in \/ (?<output>\d+) out$/;

interface ToolResult extends CallToolResult {
  text: string;
}

interface McpSession {
  client: Client;
  stderr(): string;
  close(): Promise<void>;
}

/** The built `tollgate-mcp` bin as a child process over stdio, driven by the SDK's own Client. */
async function startMcpServer(env: Record<string, string>): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(REPO_ROOT, 'apps/mcp-server/bin/tollgate-mcp.cjs')],
    env: { ...getDefaultEnvironment(), ...env },
    cwd: REPO_ROOT,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'tollgate-e2e', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

async function callTool(session: McpSession, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  const result = (await session.client.callTool({ name, arguments: args })) as CallToolResult;
  return { ...result, text: result.content.map((block) => (block.type === 'text' ? block.text : '')).join('') };
}

interface Balance {
  balance_usd: string;
  debt_usd: string;
  requests: number;
}

async function balanceOf(session: McpSession, spendToken?: string): Promise<Balance> {
  const result = await callTool(session, 'get_balance', spendToken === undefined ? {} : { spend_token: spendToken });
  if (result.isError) throw new Error(`get_balance failed: ${result.text}\n${session.stderr()}`);
  return result.structuredContent as unknown as Balance;
}

async function createSpendToken(stack: Stack, amount: string): Promise<{ accountId: string; spendToken: string }> {
  const created = await stack.cli(['spend-tokens', 'create', '--amount', amount, '--json']);
  if (created.code !== 0) throw new Error(`spend-tokens create failed: ${created.stderr}`);
  const parsed = JSON.parse(created.stdout) as { account: { id: string }; spendToken: string };
  return { accountId: parsed.account.id, spendToken: parsed.spendToken };
}

/**
 * The MCP server end to end, as processes: a stock MCP client launches `tollgate-mcp` over stdio against the built
 * gateway and billing worker, chats with a spend token, and the ledger and the token's balance move by exactly the
 * cost of the call.
 */
describe('MCP client → tollgate-mcp (stdio) → gateway → ledger', () => {
  let stack: Stack;
  let mcp: McpSession;
  let accountId: string;
  let spendToken: string;

  beforeAll(async () => {
    stack = await startStack();
    ({ accountId, spendToken } = await createSpendToken(stack, '5'));
    mcp = await startMcpServer({ TOLLGATE_URL: stack.url });
  }, 60_000);
  afterAll(async () => {
    await mcp?.close();
    await stack?.stop();
  });

  it('lists the seed’s tools', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['chat', 'check_payment', 'generate_invoice', 'get_balance', 'list_models']);
    expect(tools.find((tool) => tool.name === 'chat')?.inputSchema.required).toEqual(['model', 'message', 'spend_token']);
    const models = await callTool(mcp, 'list_models');
    expect(models.isError).toBeFalsy();
    expect(models.text).toContain('- tollgate/echo (');
  });

  it('chat answers through the gateway, the ledger has the call and the balance drops by exactly its cost', async () => {
    const before = await balanceOf(mcp, spendToken);
    expect(compareDecimals(before.balance_usd, '5')).toBe(0);

    const result = await callTool(mcp, 'chat', { model: 'tollgate/echo', message: 'Hello from an MCP client', spend_token: spendToken });
    expect(result.isError).toBeFalsy();
    const answer = CHAT_ANSWER.exec(result.text);
    expect(answer?.groups?.['text']).toBe('Hello from an MCP client');
    const shown = result.structuredContent as { usage: { input_tokens: number; output_tokens: number; cost: { total: string } } };
    expect(Number(answer?.groups?.['input'])).toBe(shown.usage.input_tokens);
    expect(Number(answer?.groups?.['output'])).toBe(shown.usage.output_tokens);
    expect(shown.usage.input_tokens).toBeGreaterThan(0);

    await stack.waitForUsageRows(1);
    const record = await stack.db.prisma.usageRecord.findFirstOrThrow({ where: { accountId } });
    expect(record).toMatchObject({ model: 'tollgate/echo', authMethod: 'spend-token', inputTokens: shown.usage.input_tokens, outputTokens: shown.usage.output_tokens });
    expect(record.totalCost.toFixed()).toBe(shown.usage.cost.total);

    const after = await balanceOf(mcp, spendToken);
    expect(subtractDecimals(before.balance_usd, after.balance_usd)).toBe(record.totalCost.toFixed());
    expect(after.debt_usd).toBe(record.totalCost.toFixed());
    expect(after.requests).toBe(1);
  });

  it('a bad spend token comes back as a tool error carrying the gateway’s message', async () => {
    const direct = await fetch(`${stack.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-spend-token': 'tgst_not-a-real-token' },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'Hello' }] }),
    });
    expect(direct.status).toBe(401);
    // No anthropic-version, as LightningProx's clients: the flat {"error":"<message>","code"} shape.
    const gatewayMessage = ((await direct.json()) as { error: string }).error;

    const result = await callTool(mcp, 'chat', { model: 'tollgate/echo', message: 'Hello', spend_token: 'tgst_not-a-real-token' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain(gatewayMessage);
    expect(result.text).toContain('HTTP 401');
    const balance = await callTool(mcp, 'get_balance', { spend_token: 'tgst_not-a-real-token' });
    expect(balance.isError).toBe(true);
  });

  it('an unknown model comes back as a tool error naming the model', async () => {
    const result = await callTool(mcp, 'chat', { model: 'nope/no-such-model', message: 'Hello', spend_token: spendToken });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('nope/no-such-model');
    expect(result.text).toContain('HTTP 400');
  });

  it('a token without enough funds comes back as a tool error (402), and nothing is billed', async () => {
    const broke = await createSpendToken(stack, '0.00001');
    const result = await callTool(mcp, 'chat', { model: 'tollgate/echo', message: 'Hello', spend_token: broke.spendToken });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('HTTP 402');
    expect(await stack.db.prisma.usageRecord.count({ where: { accountId: broke.accountId, status: 'ok' } })).toBe(0);
  });

  it('a server started with TOLLGATE_SPEND_TOKEN pays with it when a call brings none', async () => {
    const withToken = await startMcpServer({ TOLLGATE_URL: stack.url, TOLLGATE_SPEND_TOKEN: spendToken });
    try {
      const { tools } = await withToken.client.listTools();
      expect(tools.find((tool) => tool.name === 'chat')?.inputSchema.required).toEqual(['model', 'message']);
      const before = await balanceOf(withToken);
      const result = await callTool(withToken, 'chat', { model: 'tollgate/echo', message: 'Paid by the default token', max_tokens: 64 });
      expect(result.isError).toBeFalsy();
      expect(result.text).toMatch(/^Paid by the default token\n\n— \d+ in \/ \d+ out$/);

      await stack.waitForUsageRows(2);
      const records = await stack.db.prisma.usageRecord.findMany({ where: { accountId } });
      expect(records).toHaveLength(2);
      const after = await balanceOf(withToken);
      const costs = records.map((record) => record.totalCost.toFixed());
      expect(after.debt_usd).toBe(sumDecimals(costs));
      expect(compareDecimals(subtractDecimals('5', after.balance_usd), sumDecimals(costs))).toBe(0);
      expect(after.requests - before.requests).toBe(1);
    } finally {
      await withToken.close();
    }
    expect((await stack.cli(['reconcile'])).code).toBe(0);
  });
});
