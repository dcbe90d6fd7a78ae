import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

describe('GET /readyz and the spool', () => {
  let gateway: TestGateway;
  let scratch: string;
  beforeAll(async () => {
    // A spool "directory" that is a regular file: nothing can ever be spooled there (root included).
    scratch = mkdtempSync(path.join(tmpdir(), 'tollgate-bad-spool-'));
    const notADirectory = path.join(scratch, 'spool');
    writeFileSync(notADirectory, 'not a directory');
    gateway = await startTestGateway({ SPOOL_DIR: notADirectory });
  });
  afterAll(async () => {
    await gateway?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('takes the replica out of the Service when its own spool cannot be written, whatever Postgres and Redis say', async () => {
    const response = await fetch(`${gateway.url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not_ready', checks: { redis: 'ok', postgres: 'ok', spool: 'unreachable' } });
  });
});
