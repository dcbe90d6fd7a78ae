import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerText, createGatewayClient, GatewayError, type MessageResponse } from './gateway-client';

/** A gateway that accepts connections and never answers. */
async function startSilentServer(): Promise<{ url: string; server: Server }> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('gateway client', () => {
  let silent: { url: string; server: Server };
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(async () => {
    silent.server.closeAllConnections();
    await new Promise((resolve) => silent.server.close(resolve));
  });

  it('gives up on a gateway that does not answer in time, saying so', async () => {
    const client = createGatewayClient({ baseUrl: silent.url, timeoutMs: 100 });
    const failure = client.listModels();
    await expect(failure).rejects.toBeInstanceOf(GatewayError);
    await expect(failure).rejects.toThrow(`the tollgate gateway at ${silent.url} did not answer GET /api/capabilities within 0.1 s`);
  });

  it('stops when the MCP client cancels the call', async () => {
    const client = createGatewayClient({ baseUrl: silent.url });
    const cancel = new AbortController();
    const failure = client.getBalance('tg_x', cancel.signal);
    cancel.abort();
    await expect(failure).rejects.toThrow('GET /v1/balance was cancelled');
  });

  it('joins the text blocks of an answer and skips the others', () => {
    const response: MessageResponse = {
      id: 'msg_1',
      model: 'm',
      content: [{ type: 'text', text: 'Hello, ' }, { type: 'tool_use', id: 't', name: 'n', input: {} }, { type: 'text', text: 'world' }],
      usage: { input_tokens: 1, output_tokens: 2 },
    };
    expect(answerText(response)).toBe('Hello, world');
  });
});
