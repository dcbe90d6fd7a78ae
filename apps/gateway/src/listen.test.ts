import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen, ListenError } from './listen';

const hello: RequestListener = (_request, response) => {
  response.end('hello');
};

describe('listen', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('resolves with a listening server that serves the handler', async () => {
    const server = await listen(hello, 0, '127.0.0.1', { requestTimeoutMs: 30_000 });
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('hello');
  });

  it('rejects, naming the port and host, when the port is already in use (instead of "listening" with no socket)', async () => {
    const occupant = createServer();
    await new Promise<void>((resolve) => occupant.listen(0, '127.0.0.1', resolve));
    servers.push(occupant);
    const { port } = occupant.address() as AddressInfo;
    const error = await listen(hello, port, '127.0.0.1', { requestTimeoutMs: 30_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ListenError);
    expect(error).toMatchObject({ code: 'EADDRINUSE', message: `port ${port} on 127.0.0.1 is already in use` });
  });

  it('rejects for an address that is not on this machine', async () => {
    const error = await listen(hello, 0, '192.0.2.1', { requestTimeoutMs: 30_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ListenError);
    expect((error as ListenError).message).toMatch(/^port 0 on 192\.0\.2\.1: the address 192\.0\.2\.1 is not on this machine$/);
  });
});
