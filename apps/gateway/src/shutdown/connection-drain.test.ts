import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConnectionDrain } from './connection-drain';

/** A raw client connection, its received bytes kept, resolving `ended` when the server closes it (or it resets). */
function rawClient(port: number): Promise<{ socket: Socket; received: () => string; ended: Promise<'closed' | 'reset'> }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    const ended = new Promise<'closed' | 'reset'>((done) => {
      socket.on('error', () => done('reset'));
      socket.on('end', () => done('closed'));
    });
    socket.once('connect', () => resolve({ socket, received: () => received, ended }));
  });
}

const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`;

describe('ConnectionDrain', () => {
  let server: Server;
  let drain: ConnectionDrain;
  let port: number;
  let releaseSlow: () => void;

  beforeEach(async () => {
    const slowGate = new Promise<void>((resolve) => (releaseSlow = resolve));
    server = createServer((incoming, response) => {
      if (incoming.url === '/slow') void slowGate.then(() => response.end('slow done'));
      else response.end('ok');
    });
    server.keepAliveTimeout = 65_000;
    drain = new ConnectionDrain(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => {
    releaseSlow();
    drain.destroyRemaining();
  });

  it('closes an idle keep-alive connection at once instead of waiting out the keep-alive timeout', async () => {
    const client = await rawClient(port);
    client.socket.write(request('/fast'));
    await new Promise((resolve) => client.socket.once('data', resolve));
    const started = Date.now();
    await drain.close();
    expect(await client.ended).toBe('closed');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('lets a busy response finish, then closes its connection; new connections are refused', async () => {
    const client = await rawClient(port);
    client.socket.write(request('/slow'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = drain.close();
    const refused = await new Promise<boolean>((resolve) => {
      const late = connect(port, '127.0.0.1');
      late.once('error', () => resolve(true));
      late.once('connect', () => resolve(false));
    });
    expect(refused).toBe(true);
    releaseSlow();
    await closed;
    expect(await client.ended).toBe('closed');
    expect(client.received()).toContain('slow done');
  });

  it('answers a connection accepted before shutdown whose request comes after it (no reset), with Connection: close', async () => {
    const client = await rawClient(port);
    await new Promise((resolve) => setTimeout(resolve, 50)); // accepted by the server, nothing sent yet
    const closed = drain.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    client.socket.write(request('/fast'));
    expect(await client.ended).toBe('closed');
    await closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(client.received().toLowerCase()).toContain('connection: close');
  });
});
