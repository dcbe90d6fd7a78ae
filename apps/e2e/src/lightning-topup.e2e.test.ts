import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { decode } from 'bolt11';
import { subtractDecimals } from '@tollgate/billing';
import { type LightningStandIn, startLndStandIn } from '@tollgate/lightning/testing';
import { REPO_ROOT } from './support/run-cli';
import { startStack, type Stack } from './support/stack';

/**
 * A caller with only a Lightning wallet, against the built gateway and billing worker: buy a spend token with an
 * invoice (the node is a loopback LND stand-in), chat the way LightningProx's client does, and see the balance go
 * down by exactly what the call cost.
 */
describe('buying a spend token with a Lightning invoice', () => {
  let node: LightningStandIn;
  let stack: Stack;

  beforeAll(async () => {
    node = await startLndStandIn();
    stack = await startStack({ LIGHTNING_BACKEND: 'lnd', LND_REST_URL: node.url, LND_MACAROON_HEX: node.credential, BTC_USD_RATE: '90000' });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await node?.close();
  });

  const post = (path: string, body: object, headers: Record<string, string> = {}) =>
    fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('top-up → 402 invoice → paid → token → chat billed against it → balance = credit − cost', async () => {
    const invoiceResponse = await post('/v1/topup', { amount_sats: 5_000 });
    expect(invoiceResponse.status).toBe(402);
    const invoice = (await invoiceResponse.json()) as { charge_id: string; payment_request: string; amount_usd: string };
    expect(invoice.amount_usd).toBe('4.5');

    expect((await post('/v1/tokens', { charge_id: invoice.charge_id })).status).toBe(402); // not paid yet
    node.settle(decode(invoice.payment_request).tagsObject.payment_hash as string);
    const token = (await (await post('/v1/tokens', { charge_id: invoice.charge_id })).json()) as { spend_token: string; balance_usd: string };
    expect(token.balance_usd).toBe('4.5');

    const chat = await post('/v1/messages', { model: 'tollgate/echo', messages: [{ role: 'user', content: 'bought with sats' }], max_tokens: 64 }, { 'X-Spend-Token': token.spend_token });
    expect(chat.status).toBe(200);
    const cost = ((await chat.json()) as { usage: { cost: { total: string } } }).usage.cost.total;
    await stack.waitForUsageRows(1);
    const balance = (await (await fetch(`${stack.url}/v1/balance`, { headers: { 'X-Spend-Token': token.spend_token } })).json()) as { balance_usd: string };
    expect(balance.balance_usd).toBe(subtractDecimals('4.5', cost));
    expect((await stack.cli(['reconcile'])).code).toBe(0);
  });

  it('through tollgate’s MCP server: generate_invoice → pay → check_payment → chat with the token', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(REPO_ROOT, 'apps/mcp-server/bin/tollgate-mcp.cjs')],
      env: { ...getDefaultEnvironment(), TOLLGATE_URL: stack.url },
      cwd: REPO_ROOT,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'tollgate-e2e', version: '1.0.0' });
    await client.connect(transport);
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      return { ...result, text: result.content.map((block) => (block.type === 'text' ? block.text : '')).join('') };
    };
    try {
      const invoice = await call('generate_invoice', { amount_sats: 2_000 });
      expect(invoice.isError).toBeFalsy();
      const { charge_id: chargeId, payment_request: paymentRequest } = invoice.structuredContent as { charge_id: string; payment_request: string };
      expect(invoice.text).toContain(paymentRequest);

      const unpaid = await call('check_payment', { charge_id: chargeId });
      expect(unpaid.text).toMatch(/^Not paid yet/);
      node.settle(decode(paymentRequest).tagsObject.payment_hash as string);
      const paid = await call('check_payment', { charge_id: chargeId });
      const { spend_token: spendToken, balance_usd: balance } = paid.structuredContent as { spend_token: string; balance_usd: string };
      expect(balance).toBe('1.8');
      expect((await call('check_payment', { charge_id: chargeId })).text).toMatch(/already redeemed/);

      const answer = await call('chat', { model: 'tollgate/echo', message: 'paid by an agent', spend_token: spendToken });
      expect(answer.text).toMatch(/^paid by an agent\n\n— \d+ in \/ \d+ out$/);
      const unknown = await call('check_payment', { charge_id: 'ch_nothing' });
      expect(unknown).toMatchObject({ isError: true });
      expect(unknown.text).toMatch(/No such charge/);
    } finally {
      await client.close();
    }
  });

  it('as LightningProx’s client calls it: /v1/invoice, /v1/tokens, errors read as `new Error(body.error)`', async () => {
    // Content-Type only, no anthropic-version: the calls LightningProx's generate_invoice / check_payment make.
    const invoice = (await (await post('/v1/invoice', { amount_sats: 1_000 })).json()) as { charge_id: string; payment_request: string; amount_usd: string };
    expect(invoice).toMatchObject({ charge_id: expect.stringMatching(/^ch_/), amount_usd: '0.9' });
    const check = async (chargeId: string) => {
      const response = await post('/v1/tokens', { charge_id: chargeId });
      const body = (await response.json()) as { error?: unknown; spend_token?: string };
      if (!response.ok && response.status !== 402) throw new Error(String(body.error));
      return { status: response.status, body };
    };
    expect((await check(invoice.charge_id)).status).toBe(402);
    await expect(check('ch_unknown')).rejects.toThrow('No such charge: create one with POST /v1/topup.');
    node.settle(decode(invoice.payment_request).tagsObject.payment_hash as string);
    expect((await check(invoice.charge_id)).body.spend_token).toMatch(/^tgst_/);
  });
});
