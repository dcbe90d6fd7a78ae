import { appendFile, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { isReplayingFile, REPLAYING_SUFFIX, SPOOL_FILE_NAME } from '@tollgate/db';
import type { MeteringEvent } from '@tollgate/schemas';

/** What one replay did: events sent, events put back (send failed), lines that are not JSON (kept, never sent). */
export interface ReplayResult {
  sent: number;
  failed: number;
  unreadable: number;
}

/**
 * Metering events that could not be enqueued wait here, one JSON line each, until Redis is back. Appends are
 * serialised by a promise chain so lines never interleave. Nothing is ever dropped: a replay claims the spool by
 * renaming it to `*.replaying` (appends during the replay land in a fresh file), sends its events, puts back those it
 * could not send, and only then removes the claimed file — so a crash in between leaves a `*.replaying` file, which
 * the next replay (of this process or any later one) claims too. An event sent twice that way is harmless: the
 * request id is the BullMQ job id, and the ledger's unique key.
 */
export class EventSpool {
  private readonly file: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly directory: string) {
    this.file = path.join(directory, SPOOL_FILE_NAME);
  }

  /** Appends one event; rejects when it could not be written (the caller must then keep the event elsewhere). */
  append(event: MeteringEvent): Promise<void> {
    const write = this.chain.then(async () => {
      await mkdir(this.directory, { recursive: true });
      // A crash or a failed write (disk full) mid-line leaves the file without its final newline: start on a line
      // of our own, or this event would be glued to the torn one and unreadable.
      const separator = (await endsWithNewline(this.file)) ? '' : '\n';
      await appendFile(this.file, `${separator}${JSON.stringify(event)}\n`, 'utf8');
    });
    this.chain = write.catch(() => undefined);
    return write;
  }

  /**
   * Hands every spooled event to `send` — the current spool file and every `*.replaying` file left by an earlier
   * replay that did not finish — and puts back the events `send` fails on. After one failure the rest of the file is
   * put back unsent (Redis is down again: no point waiting for each to time out). Rejects on a spool I/O error; the
   * files stay where they are, to be replayed next time.
   */
  replay(send: (event: MeteringEvent) => Promise<void>): Promise<ReplayResult> {
    const run = this.chain.then(async () => {
      const result: ReplayResult = { sent: 0, failed: 0, unreadable: 0 };
      for (const claimed of await this.claim()) {
        const lines = (await readFile(claimed, 'utf8')).split('\n').filter((line) => line.trim() !== '');
        const putBack: string[] = [];
        for (const line of lines) {
          let event: MeteringEvent;
          try {
            event = JSON.parse(line) as MeteringEvent;
          } catch {
            result.unreadable += 1;
            putBack.push(line); // kept for an operator (reported by `tollgate reconcile`), never dropped
            continue;
          }
          if (result.failed > 0) {
            result.failed += 1;
            putBack.push(line);
            continue;
          }
          try {
            await send(event);
            result.sent += 1;
          } catch {
            result.failed += 1;
            putBack.push(line);
          }
        }
        if (putBack.length > 0) await appendFile(this.file, putBack.map((line) => `${line}\n`).join(''), 'utf8');
        await rm(claimed, { force: true });
      }
      return result;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Takes the current spool file and any orphaned `*.replaying` file by renaming each to a name of this replay's
   * own (an atomic rename: if two processes share the directory, one of them gets each file).
   */
  private async claim(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // nothing ever spooled
      throw error;
    }
    const claimed: string[] = [];
    const candidates = [...names.filter(isReplayingFile).sort(), ...(names.includes(SPOOL_FILE_NAME) ? [SPOOL_FILE_NAME] : [])];
    for (const [index, name] of candidates.entries()) {
      const target = path.join(this.directory, `${SPOOL_FILE_NAME}.${process.pid}.${Date.now()}.${index}${REPLAYING_SUFFIX}`);
      try {
        await rename(path.join(this.directory, name), target);
        claimed.push(target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // taken by another process meanwhile
      }
    }
    return claimed;
  }
}

/** Whether a file is empty or missing, or ends with a newline. */
async function endsWithNewline(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
}
