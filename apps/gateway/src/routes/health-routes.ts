import type { Request, Response } from 'express';

/** A dependency readiness probe: resolves when reachable, rejects otherwise. */
export type ReadinessCheck = () => Promise<unknown>;

/** `GET /healthz`: the process is up. */
export function healthHandler(_request: Request, response: Response): void {
  response.json({ status: 'ok' });
}

/** `GET /readyz`: every dependency (Redis, Postgres) answers within a second; 503 naming those that do not. */
export function readinessHandler(checks: Record<string, ReadinessCheck>) {
  return async (_request: Request, response: Response): Promise<void> => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 1_000)))]);
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, `unreachable: ${(error as Error).message}`] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const ready = results.every(([, status]) => status === 'ok');
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
  };
}
