import { subtractDecimals, sumDecimals } from '@tollgate/billing';
import { startStack, type Stack } from './support/stack';

/**
 * The LightningProx client code from shared/seeds/000 (its `chat` helper and tool handler), unchanged but for
 * types, with its base URL pointed at tollgate: tollgate must be a drop-in backend for it.
 */
let LIGHTNINGPROX_URL = '';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function chat(model: string, message: string, spendToken: string, maxTokens = 1024): Promise<any> {
  const res = await fetch(`${LIGHTNINGPROX_URL}/v1/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Spend-Token': spendToken },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: message }], max_tokens: maxTokens }),
  });
  if (!res.ok) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const err = (await res.json()) as any;
    throw new Error(err.error || `LightningProx error: ${res.status}`);
  }
  return res.json();
}

async function chatTool(model: string, message: string, spend_token: string, max_tokens?: number) {
  const result = await chat(model, message, spend_token, max_tokens);
  const content = result.content?.[0]?.text || result.choices?.[0]?.message?.content || JSON.stringify(result);
  const usage = result.usage
    ? `\n\n— ${result.usage.input_tokens ?? result.usage.prompt_tokens ?? '?'} in / ${result.usage.output_tokens ?? result.usage.completion_tokens ?? '?'} out`
    : '';
  return { content: [{ type: 'text', text: content + usage }] };
}

describe('a LightningProx client pointed at tollgate', () => {
  let stack: Stack;
  let spendToken: string;

  beforeAll(async () => {
    stack = await startStack();
    LIGHTNINGPROX_URL = stack.url;
    const created = await stack.cli(['spend-tokens', 'create', '--amount', '2.50', '--expires-in-days', '30', '--json']);
    expect(created.code).toBe(0);
    spendToken = (JSON.parse(created.stdout) as { spendToken: string }).spendToken;
    expect(spendToken).toMatch(/^tgst_/);
  }, 60_000);
  afterAll(() => stack?.stop());

  it('chats with a spend token and shows "— N in / N out"', async () => {
    const result = await chatTool('tollgate/echo', 'Hello from the seed client', spendToken);
    expect(result.content[0].text).toMatch(/^Hello from the seed client\n\n— \d+ in \/ \d+ out$/);
  });

  it('lists the models the way its list_models renders them: `$${price_per_1k_tokens}/1k tokens`', async () => {
    const response = (await (await fetch(`${LIGHTNINGPROX_URL}/api/capabilities`)).json()) as { models: Array<{ id: string; provider: string; price_per_1k_tokens: unknown }> };
    const providers = new Set(response.models.map((model) => model.provider));
    for (const provider of ['anthropic', 'openai', 'google', 'mistral', 'together']) expect(providers.has(provider)).toBe(true);
    const lines = response.models.map((model) => `${model.id}: $${String(model.price_per_1k_tokens)}/1k tokens`);
    expect(lines).toContain('tollgate/echo: $0.0001 in / $0.0004 out/1k tokens');
    for (const line of lines) expect(line).not.toContain('[object Object]');
  });

  it('balance goes down by exactly the billed totals', async () => {
    const read = async () => (await (await fetch(`${stack.url}/v1/balance`, { headers: { 'X-Spend-Token': spendToken } })).json()) as { balance_usd: string; requests: number; expires_at: string };
    await stack.waitForUsageRows(1);
    const before = await read();
    expect(before.expires_at).toMatch(/^\d{4}-/);
    const totals: string[] = [];
    for (const message of ['one', 'two words', 'three small words']) {
      const result = (await chat('tollgate/echo', message, spendToken, 64)) as { usage: { cost: { total: string } } };
      totals.push(result.usage.cost.total);
    }
    await stack.waitForUsageRows(4);
    const after = await read();
    expect(after.requests).toBe(before.requests + 3);
    expect(after.balance_usd).toBe(subtractDecimals(before.balance_usd, sumDecimals(totals)));
  });

  it('reads every refusal as its message (LightningProx does `new Error(body.error)`), never "[object Object]"', async () => {
    await expect(chat('no-such-model', 'x', spendToken)).rejects.toThrow(/The model `no-such-model` does not exist/);
    await expect(chat('tollgate/echo', 'x', 'tgst_forged')).rejects.toThrow(/^Invalid API key\.$/);
    await expect(chat('tollgate/echo', 'x', undefined as unknown as string)).rejects.toThrow(/spend token/i);
    const broke = JSON.parse((await stack.cli(['spend-tokens', 'create', '--amount', '0.000001', '--expires-in-days', '1', '--json'])).stdout) as { spendToken: string };
    await expect(chat('tollgate/echo', 'x', broke.spendToken, 4_000)).rejects.toThrow(/^Insufficient funds: this request may cost up to \$/);
  });

  it('answers under the model names LightningProx lists, and on its other routes', async () => {
    for (const model of ['claude-opus-4-6', 'claude-sonnet-4-6', 'llama-4-maverick', 'deepseek-v3', 'mistral-medium', 'magistral', 'gemini-2.5-pro']) {
      // No provider keys in this stack: known but unconfigured (503), never unknown.
      await expect(chat(model, 'x', spendToken)).rejects.toThrow(/is not configured on this gateway/);
    }
    const viaChat = await fetch(`${stack.url}/v1/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Spend-Token': spendToken },
      body: JSON.stringify({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'via /v1/chat' }] }),
    });
    expect(((await viaChat.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('via /v1/chat');
  });
});
