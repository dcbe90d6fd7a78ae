import net from 'node:net';

/**
 * A TCP proxy in front of a real service (Postgres, Redis) that can black-hole it (connections stay open, nothing is
 * answered: a partitioned or frozen server), refuse it (nothing listens: a server that is down), and bring it back
 * on the same port.
 */
export interface TcpProxy {
  port: number;
  blackHole(): void;
  refuse(): Promise<void>;
  /** Forwards again (listening again after `refuse`); connections that lost bytes are dropped. */
  forward(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'forward' | 'black-hole' = 'forward';
  const sockets = new Set<net.Socket>();
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (mode === 'black-hole') return; // accepted, never answered
    const upstream = net.connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    // Forward only while forwarding: a black hole swallows what is in flight too.
    client.on('data', (chunk: Buffer) => mode === 'forward' && upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => mode === 'forward' && client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    blackHole() {
      mode = 'black-hole';
    },
    async refuse() {
      dropAll();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
    async forward() {
      mode = 'forward';
      dropAll();
      if (!server.listening) await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      dropAll();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };
}
