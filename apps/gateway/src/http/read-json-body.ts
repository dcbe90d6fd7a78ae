import express, { type NextFunction, type Request, type Response } from 'express';
import { findTooDeepJson, jsonTextTooDeep, MAX_JSON_DEPTH } from '@tollgate/schemas';
import { GatewayError, invalidRequest } from '../errors/gateway-error';

/** Bodies above this many bytes are handed on in a later turn of the event loop than the one that parsed them. */
const LARGE_BODY_BYTES = 256 * 1024;

/** Set on the error thrown from body-parser's `verify` hook, to tell it from body-parser's own failures. */
const TOO_DEEP = 'json.too.deep';

/** A caller-controlled header value, shortened for an error message. */
const shown = (value: string) => (value.length > 100 ? `${value.slice(0, 100)}…` : value);

/** `application/json`, with or without parameters (charset), in any letter case; nothing else. */
function isJsonContentType(header: string | undefined): boolean {
  return header !== undefined && header.split(';', 1)[0].trim().toLowerCase() === 'application/json';
}

const unsupportedMediaType = (message: string) =>
  new GatewayError({ status: 415, type: 'invalid_request_error', code: 'unsupported_media_type', message });

function tooDeep(path: ReadonlyArray<string | number> | null): GatewayError {
  // The first few keys say where (e.g. tools[0].function.parameters); keys are caller text, so they are shortened.
  const param = (path ?? [])
    .slice(0, 4)
    .reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}${text ? '.' : ''}${key.slice(0, 64)}`), '');
  const where = param ? ` (under '${param}')` : '';
  return invalidRequest(`Request body JSON is nested deeper than the limit of ${MAX_JSON_DEPTH} levels${where}.`, param || null, 'json_too_deep');
}

/**
 * Reads a JSON request body, refusing before any other work what the rest of the gateway must never see:
 * - 415 for a content type other than `application/json` (text/plain, multipart and a missing type included);
 * - 413 for a body over the size limit;
 * - 400 for malformed JSON, and for JSON nested deeper than MAX_JSON_DEPTH levels (`json_too_deep`), which would
 *   overflow the stack of every recursive step after it (validation, token estimates, JSON.stringify). UTF-8 text is
 *   checked before it is parsed, so a body of millions of `[` costs one linear scan rather than a parse; a body in
 *   another charset, which the scan cannot read, has its parsed value walked instead (iteratively).
 */
export function jsonBody(limitBytes: number) {
  /** Requests whose raw UTF-8 text was scanned: their parsed value needs no second, slower walk. */
  const scanned = new WeakSet<object>();
  const parse = express.json({
    limit: limitBytes,
    strict: true,
    type: () => true,
    verify: (request, _response, body, encoding) => {
      if (encoding !== 'utf-8' && encoding !== 'utf8') return;
      if (jsonTextTooDeep(body)) throw Object.assign(new Error('too deep'), { type: TOO_DEEP });
      scanned.add(request);
    },
  });
  return (request: Request, response: Response, next: NextFunction) => {
    const contentType = request.headers['content-type'];
    if (!isJsonContentType(contentType)) {
      const got = contentType ? `got '${shown(contentType)}'` : 'the header is missing';
      return next(unsupportedMediaType(`Content-Type must be application/json; ${got}.`));
    }
    const done = (error?: unknown) => {
      if (!error) {
        const path = scanned.has(request) ? null : findTooDeepJson(request.body);
        // A large body was read, scanned and parsed in this turn of the event loop: what follows (validation,
        // admission) runs in the next one, so that other requests are served in between.
        if (Number(request.headers['content-length'] ?? 0) > LARGE_BODY_BYTES) return setImmediate(() => next(path ? tooDeep(path) : undefined));
        return next(path ? tooDeep(path) : undefined);
      }
      const failure = error as { type?: string; status?: number; message?: string };
      if (failure.type === TOO_DEEP) return next(tooDeep(null));
      if (failure.type === 'entity.too.large') {
        return next(new GatewayError({ status: 413, type: 'invalid_request_error', code: 'request_too_large', message: `Request body is larger than the limit of ${limitBytes} bytes.` }));
      }
      if (failure.type === 'entity.parse.failed') {
        return next(invalidRequest(`Request body is not valid JSON: ${failure.message ?? 'parse error'}`, null, 'invalid_json'));
      }
      if (failure.type === 'encoding.unsupported' || failure.type === 'charset.unsupported') {
        return next(new GatewayError({ status: 415, type: 'invalid_request_error', code: 'unsupported_encoding', message: shown(failure.message ?? 'unsupported encoding') }));
      }
      return next(invalidRequest(shown(failure.message ?? 'could not read the request body'), null, 'invalid_body'));
    };
    try {
      parse(request, response, done);
    } catch {
      // body-parser reads the charset with `content-type`, which throws (synchronously, before reading anything) on a
      // header it cannot parse, such as `application/json; charset`.
      next(unsupportedMediaType(`The Content-Type header could not be parsed: '${shown(contentType ?? '')}'.`));
    }
  };
}

/** A request with no body at all: no length (or length 0) and no chunked transfer. */
function hasNoBody(request: Request): boolean {
  return request.get('transfer-encoding') === undefined && Number(request.get('content-length') ?? 0) === 0;
}

/**
 * A POST that needs no fields may come without a body (`curl -X POST`, the key-exchange form of `/v1/authorize`): its
 * body is then `{}`, with no content type required; a request with a body goes through `parse` (JSON only).
 */
export function optionalJsonBody(parse: (request: Request, response: Response, next: NextFunction) => void) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.method === 'POST' && hasNoBody(request)) {
      request.body = {};
      return next();
    }
    return parse(request, response, next);
  };
}
