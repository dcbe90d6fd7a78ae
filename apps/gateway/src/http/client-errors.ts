import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** What Node's HTTP parser refused, as a status, a code and a sentence for the caller. */
function describe(error: NodeJS.ErrnoException, requestTimeoutMs: number): { status: number; code: string; message: string } {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, code: 'request_timeout', message: `The request was not received in full within ${requestTimeoutMs / 1000} s: send the headers and body at once.` };
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: 'headers_too_large', message: 'The request headers are too large.' };
  return { status: 400, code: 'malformed_http_request', message: 'The request is not valid HTTP/1.1.' };
}

/**
 * Answers what never reaches Express — a request that is not valid HTTP, headers too large, a request not received in
 * full within REQUEST_TIMEOUT_MS — in the API's JSON error shape rather than Node's bare status line, then closes the
 * connection. A connection the caller already dropped is just destroyed.
 */
export function answerClientErrors(server: Server, requestTimeoutMs: number): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, code, message } = describe(error, requestTimeoutMs);
    const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}
