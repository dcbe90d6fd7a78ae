// `npm start`: runs the built gateway and billing worker against the local Postgres and Redis, makes sure a dev
// account exists (kept in .tollgate/dev-account.json), and prints its key with a ready curl. Without ADMIN_TOKEN set,
// a dev admin token is made once (kept in .tollgate/dev-admin-token) so that the admin API works too, and likewise a
// JWT secret for sign-in (.tollgate/dev-jwt-secret). A process that crashes is restarted with backoff
// while the other keeps serving; Ctrl-C (or SIGTERM) stops both.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

const port = process.env.PORT || '8080';
const host = process.env.HOST || '0.0.0.0';
const base = `http://127.0.0.1:${port}`;
const children = new Map();
const restarts = new Set();
// TOLLGATE_DEV_DIR: where the dev account and secrets are kept (default .tollgate in the cwd; tests point it elsewhere).
const devDir = process.env.TOLLGATE_DEV_DIR || '.tollgate';
// Restart backoff: 0.5 s doubling to 10 s; a process that stayed up 30 s starts again from 0.5 s.
const backoff = { firstMs: 500, maxMs: 10_000, stableMs: 30_000 };

/**
 * Runs apps/<name>/dist/main.js and supervises it: when it exits without our asking (a crash, a kill), it is started
 * again after a backoff and the restart is logged with the exit code or signal; the other process keeps serving.
 */
function start(name, delayMs = backoff.firstMs) {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [`apps/${name}/dist/main.js`], { stdio: 'inherit', env: process.env });
  children.set(name, child);
  console.error(`[start] ${name} started (pid ${child.pid})`);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    const next = Date.now() - startedAt >= backoff.stableMs ? backoff.firstMs : delayMs;
    console.error(`[start] ${name} exited (${signal ? `signal ${signal}` : `code ${code}`}); restarting in ${next} ms`);
    const timer = setTimeout(() => {
      restarts.delete(timer);
      if (!stopping) start(name, Math.min(next * 2, backoff.maxMs));
    }, next);
    restarts.add(timer);
  });
}
let stopping = false;
/** Stops both: SIGTERM to each (they drain), waits for them, then exits. */
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const timer of restarts) clearTimeout(timer);
  const running = [...children.values()].filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of running) child.kill('SIGTERM');
  Promise.all(running.map((child) => new Promise((resolve) => child.once('exit', resolve)))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

function cli(args) {
  return execFileSync(process.execPath, ['apps/cli/bin/tollgate.cjs', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function devAccount() {
  const file = `${devDir}/dev-account.json`;
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    try {
      cli(['usage', '--account', saved.account.id, '--json']);
      return saved;
    } catch {
      // the database was reset: make a new one
    }
  }
  const created = JSON.parse(cli(['accounts', 'create', '--name', 'dev', '--credit-limit', '10', '--json']));
  mkdirSync(devDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600 });
  return created;
}

/** A random secret kept in .tollgate/<name> (made once), so that a dev setting survives restarts. */
function devSecret(name) {
  const file = `${devDir}/${name}`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(devDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function waitReady() {
  for (let tries = 0; tries < 150; tries += 1) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

/**
 * Whether the gateway's port is free. Checked before starting anything: otherwise the readiness poll below could be
 * answered by whatever already holds the port (another tollgate) while our gateway exits with EADDRINUSE.
 */
function portIsFree() {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error) => resolve(error.code !== 'EADDRINUSE'));
    probe.listen(Number(port), host, () => probe.close(() => resolve(true)));
  });
}

if (!(await portIsFree())) {
  console.error(`port ${port} on ${host} is already in use (another tollgate gateway?): stop it or set PORT`);
  process.exit(1);
}
process.env.ADMIN_TOKEN ||= devSecret('dev-admin-token');
// Sign-in (/v1/authorize: wallets and key exchange) needs a signing key; without any JWT setting, a dev HS256 secret.
if (!process.env.JWT_SECRET && !process.env.JWT_PRIVATE_KEY_PEM && !process.env.JWT_PRIVATE_KEY_PATH) process.env.JWT_SECRET = devSecret('dev-jwt-secret');
start('gateway');
start('billing-worker');
if (!(await waitReady())) {
  console.error(`gateway did not become ready on ${base}`);
  stop(1);
} else {
  const { account, apiKey } = devAccount();
  console.log(`
tollgate is running on ${base}  (gateway + billing worker; Ctrl-C stops both)
dev account ${account.id}, API key: ${apiKey}

  curl ${base}/v1/chat/completions \\
    -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" \\
    -d '{"model":"tollgate/echo","messages":[{"role":"user","content":"Hello, tollgate!"}]}'

  npx tollgate usage --account ${account.id}

admin API (token in ADMIN_TOKEN, or .tollgate/dev-admin-token):
  curl "${base}/admin/usage?groupBy=day,model" -H "Authorization: Bearer ${process.env.ADMIN_TOKEN}"
`);
}
