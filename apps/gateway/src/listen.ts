import { createServer, type RequestListener, type Server } from 'node:http';
import { answerClientErrors } from './http/client-errors';

/** The port could not be bound; the message says which and why, for the one line the process prints before exiting. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A sentence for a failed bind: "port 8080 on 0.0.0.0 is already in use". */
function describeListenFailure(error: NodeJS.ErrnoException, port: number, host: string): string {
  const where = `port ${port} on ${host}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `${where} is already in use`;
    case 'EACCES':
      return `${where} needs privileges this process does not have`;
    case 'EADDRNOTAVAIL':
      return `${where}: the address ${host} is not on this machine`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${where}: the host ${host} does not resolve`;
    default:
      return `${where} could not be bound (${error.code ?? error.message})`;
  }
}

/**
 * Starts an HTTP server for `handler` (an Express app) and resolves once it is listening — or rejects with a
 * ListenError once binding fails. Express 5's `app.listen` hands a bind error to its callback as an argument, which
 * is easy to ignore: a process would then log "listening" and serve nothing.
 */
export function listen(handler: RequestListener, port: number, host: string, options: { requestTimeoutMs: number }): Promise<Server> {
  const server = createServer(
    {
      // A request must arrive whole within requestTimeoutMs; Node checks every `connectionsCheckingInterval` (default
      // 30 s, which would let a slow sender hold a socket that much longer). The headers get the same time: a shorter
      // limit cut requests that had arrived whole but waited unread while 2,000 streams kept the event loop busy.
      requestTimeout: options.requestTimeoutMs,
      headersTimeout: options.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, options.requestTimeoutMs),
    },
    handler,
  );
  answerClientErrors(server, options.requestTimeoutMs);
  return new Promise<Server>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new ListenError(describeListenFailure(error, port, host), error.code, { cause: error }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
