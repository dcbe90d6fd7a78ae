import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/free-port';

const run = promisify(execFile);

/**
 * A Postgres cluster of the run's own (initdb into a temporary directory, on a free loopback port), so the chaos run
 * can restart it without disturbing the machine's Postgres. Postgres refuses to run as root: as root, the cluster
 * belongs to the `postgres` user and every command runs as that user.
 */
export interface PrivatePostgres {
  /** The server's URL without a database, e.g. `postgresql://postgres@127.0.0.1:54012`. */
  serverUrl: string;
  /** Fast shutdown (every connection is cut), down for `downMs`, then started again. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-chaos-pg-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const dataDir = path.join(dir, 'data');
  const command = (tool: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args]);
  const pg = (tool: string, args: string[]) => run(...command(tool, args));
  await pg('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=200 -c shared_buffers=128MB`;
  const start = () => pg('pg_ctl', ['-D', dataDir, '-l', path.join(dir, 'postgres.log'), '-o', options, '-w', '-t', '30', 'start']);
  const stop = () => pg('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
  await start();
  // pg_ctl leaves the server running on its own: if this process ends without stop() (an error, Ctrl-C), end it too.
  const stopAtExit = () => {
    try {
      execFileSync(...command('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopAtExit);
  return {
    serverUrl: `postgresql://postgres@127.0.0.1:${port}`,
    async restart(downMs) {
      await stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    async stop() {
      process.off('exit', stopAtExit);
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where initdb and pg_ctl are: `pg_config --bindir`, else Debian's /usr/lib/postgresql/<version>/bin. */
function postgresBinDir(): string {
  try {
    const dir = execFileSync('pg_config', ['--bindir']).toString().trim();
    if (existsSync(path.join(dir, 'initdb'))) return dir;
  } catch {
    // no pg_config on PATH
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (existsSync(path.join(root, version, 'bin/initdb'))) return path.join(root, version, 'bin');
  throw new Error('the chaos run needs Postgres server binaries (initdb, pg_ctl): install postgresql');
}
