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
 * `GET /readyz`: whether THIS replica should receive traffic. Each dependency is probed (answering within a second
 * or not) and reported as `ok` or `unreachable` — why goes to the log, never to the caller — but only the `required`
 * ones decide readiness (503 `not_ready`); the others make the answer 200 `degraded`:
 * - Postgres and Redis are shared by every replica: failing readiness on them would empty the Service at once, turning
 *   clear answers (cached keys keep serving through a Postgres blip; admission answers 503 `funds_unavailable` while
 *   Redis is away, events go to the spool) into connection errors at the load balancer. They are reported, not required.
 * - The spool directory is this replica's own: if it cannot be written, an event this replica cannot queue would
 *   have nowhere safe to go, so it is required.
 * A replica that is shutting down (`draining()`) answers 503 `draining` at once, without asking its dependencies.
 */
export function readinessHandler(
  checks: Record<string, ReadinessCheck>,
  logger?: Logger,
  draining: () => boolean = () => false,
  required: readonly string[] = Object.keys(checks),
) {
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
    const down = results.filter(([, status]) => status !== 'ok').map(([name]) => name);
    const ready = down.every((name) => !required.includes(name));
    const status = !ready ? 'not_ready' : down.length > 0 ? 'degraded' : 'ready';
    response.status(ready ? 200 : 503).json({ status, checks: Object.fromEntries(results) });
  };
}
