import { Server as NetServer, type Socket } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * How long a connection accepted before shutdown but still without a request may take to send one. Its client has
 * connected to a replica that was serving: it gets its answer (with `Connection: close`) rather than a reset.
 */
const UNREAD_CONNECTION_GRACE_MS = 2_000;

/** One accepted connection: how many requests it has carried and how many are being answered now. */
interface ConnectionState {
  requests: number;
  active: number;
}

/**
 * Tracks an HTTP server's connections so that shutdown can close them one by one as they fall idle. Attach it when
 * the server starts (it must see every connection and request).
 *
 * `http.Server.close()` is not used for draining, for two reasons measured in production: its callback waits for
 * every socket, and a keep-alive socket whose response ends after close() stays open for the whole keep-alive timeout
 * (65 s), so the clean path never ran before the forced exit; and it destroys every "idle" connection at once —
 * including connections accepted but whose request has not been read yet, whose clients then saw a reset.
 */
export class ConnectionDrain {
  private readonly connections = new Map<Socket, ConnectionState>();
  private draining = false;
  private readonly emptied: Promise<void>;
  private resolveEmptied!: () => void;

  constructor(private readonly server: Server) {
    this.emptied = new Promise<void>((resolve) => (this.resolveEmptied = resolve));
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, { requests: 0, active: 0 });
      socket.once('close', () => {
        this.connections.delete(socket);
        if (this.draining && this.connections.size === 0) this.resolveEmptied();
      });
    });
    // First among the request listeners: a response answered synchronously must already carry `Connection: close`.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => this.onRequest(request, response));
  }

  /** Connections still open. */
  get open(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting connections and closes every connection as soon as it is idle: idle keep-alive connections at
   * once, busy ones when their response ends, unread ones after UNREAD_CONNECTION_GRACE_MS unless a request came.
   * Resolves once every connection is closed.
   */
  close(): Promise<void> {
    if (!this.draining) {
      this.draining = true;
      // net.Server's close: stop listening without http.Server's destruction of idle (and unread) connections.
      NetServer.prototype.close.call(this.server);
      for (const [socket, state] of this.connections) {
        if (state.active > 0) continue;
        if (state.requests > 0) socket.destroySoon();
        else setTimeout(() => this.closeIfIdle(socket), UNREAD_CONNECTION_GRACE_MS).unref();
      }
      if (this.connections.size === 0) this.resolveEmptied();
    }
    return this.emptied;
  }

  /** Destroys every connection left: the last step once the deadline's aborts had their time. */
  destroyRemaining(): void {
    for (const socket of this.connections.keys()) socket.destroy();
  }

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    const state = this.connections.get(request.socket);
    if (!state) return;
    state.requests += 1;
    state.active += 1;
    // Asked while draining: answered, and the client told not to reuse the connection.
    if (this.draining) response.setHeader('connection', 'close');
    response.once('close', () => {
      state.active -= 1;
      if (this.draining) this.closeIfIdle(request.socket);
    });
  }

  /** Ends a connection with nothing in progress (a FIN once what was written is flushed, not a reset). */
  private closeIfIdle(socket: Socket): void {
    const state = this.connections.get(socket);
    if (state && state.active === 0 && !socket.destroyed) socket.destroySoon();
  }
}
