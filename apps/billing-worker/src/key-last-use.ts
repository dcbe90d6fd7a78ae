import type { Logger } from 'pino';
import type { PrismaClient } from '@tollgate/db';

/**
 * When keys were last used (`tollgate keys list`), written in the background: the newest request start per key is
 * remembered and flushed every `intervalMs`, one update per key used since the last flush. Not money, so not in the
 * ledger's transaction (where a key's row would be locked by every batch); a later start never goes back in time.
 */
export class KeyLastUse {
  private newest = new Map<string, Date>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    intervalMs = 5_000,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  note(apiKeyId: string | null | undefined, startedAt: string): void {
    if (!apiKeyId) return;
    const at = new Date(startedAt);
    const known = this.newest.get(apiKeyId);
    if (!known || known < at) this.newest.set(apiKeyId, at);
  }

  /** Writes what was noted; failures are logged and the times kept for the next flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = this.newest;
      this.newest = new Map();
      for (const [apiKeyId, startedAt] of [...batch].sort(([a], [b]) => a.localeCompare(b))) {
        try {
          await this.prisma.apiKey.updateMany({ where: { id: apiKeyId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: startedAt } }] }, data: { lastUsedAt: startedAt } });
        } catch (error) {
          this.logger.warn({ err: error, apiKeyId }, "could not record a key's last use: retried at the next flush");
          this.note(apiKeyId, startedAt.toISOString());
        }
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
