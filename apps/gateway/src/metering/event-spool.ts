import { appendFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { MeteringEvent } from '@tollgate/schemas';

/**
 * Metering events that could not be enqueued wait here, one JSON line each, until Redis is back. Appends are
 * serialised by a promise chain so lines never interleave.
 */
export class EventSpool {
  private readonly file: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly directory: string) {
    this.file = path.join(directory, 'metering-events.jsonl');
  }

  append(event: MeteringEvent): Promise<void> {
    const write = this.chain.then(async () => {
      await mkdir(this.directory, { recursive: true });
      await appendFile(this.file, `${JSON.stringify(event)}\n`, 'utf8');
    });
    this.chain = write.catch(() => undefined);
    return write;
  }

  /**
   * Hands every spooled event to `send`; events `send` fails on go back to the spool. The file is renamed first so
   * appends during the replay land in a fresh file.
   */
  replay(send: (event: MeteringEvent) => Promise<void>): Promise<{ sent: number; failed: number }> {
    const run = this.chain.then(async () => {
      const claimed = `${this.file}.${process.pid}.${Date.now()}.replaying`;
      try {
        await rename(this.file, claimed);
      } catch {
        return { sent: 0, failed: 0 }; // nothing spooled
      }
      const lines = (await readFile(claimed, 'utf8')).split('\n').filter(Boolean);
      const failed: string[] = [];
      for (const line of lines) {
        try {
          await send(JSON.parse(line) as MeteringEvent);
        } catch {
          failed.push(line);
        }
      }
      if (failed.length > 0) {
        await appendFile(this.file, failed.map((line) => `${line}\n`).join(''), 'utf8');
      }
      await rm(claimed);
      return { sent: lines.length - failed.length, failed: failed.length };
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
