import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Registry } from 'prom-client';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * `GET /metrics`: the registry in Prometheus' text format. Open when `token` is unset — then keep it off the public
 * ingress (the NetworkPolicy/Ingress should route only /v1 and /admin); with METRICS_TOKEN set, a scrape must send
 * `Authorization: Bearer <token>` (compared in constant time).
 */
export function metricsHandler(registry: Registry, token: string | undefined) {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  return async (request: Request, response: Response): Promise<void> => {
    if (expected && !timingSafeEqual(digest(request.get('authorization') ?? ''), expected)) {
      response.status(401).set('www-authenticate', 'Bearer').type('text/plain').send('metrics need the METRICS_TOKEN bearer token\n');
      return;
    }
    const body = await registry.metrics();
    response.type(registry.contentType).send(body);
  };
}
