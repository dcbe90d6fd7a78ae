import type { Request, Response } from 'express';
import type { Logger } from 'pino';

/** A dependency readiness probe: resolves when reachable, rejects otherwise. */
export type ReadinessCheck = () => Promise<unknown>;

/** How long each dependency has to answer a readiness probe. */
const READINESS_TIMEOUT_MS = 1_000;

/** `GET /healthz`: the process is up. */
export function healthHandler(_request: Request, response: Response): void {
  response.json({ status: 'ok' });
}

/**
 * `GET /readyz`: every dependency (Redis, Postgres) answers within a second; 503 otherwise. Anyone may call it, so
 * the answer is only `ok` or `unreachable` per dependency: why one is unreachable (host names, driver errors) goes
 * to the log. A replica that is shutting down (`draining()`) answers 503 `draining` at once, without asking its
 * dependencies: it must leave the load balancer whatever their state.
 */
export function readinessHandler(checks: Record<string, ReadinessCheck>, logger?: Logger, draining: () => boolean = () => false) {
  return async (_request: Request, response: Response): Promise<void> => {
    if (draining()) {
      response.status(503).json({ status: 'draining' });
      return;
    }
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS))),
          ]);
          return [name, 'ok'] as const;
        } catch (error) {
          logger?.warn({ err: error, dependency: name }, `readiness: ${name} is unreachable`);
          return [name, 'unreachable'] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const ready = results.every(([, status]) => status === 'ok');
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
  };
}
