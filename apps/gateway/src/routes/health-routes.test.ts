import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import { Client } from 'pg';
import { createLogger } from '@tollgate/config';
import { readinessHandler } from './health-routes';

describe('GET /readyz', () => {
  let server: Server;
  let url: string;
  const logged: string[] = [];

  beforeAll(async () => {
    const logger = createLogger(
      'test',
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          logged.push(chunk.toString());
          callback();
        },
      }),
    );
    // Real dependencies: a Postgres that answers, and one whose port (1) refuses connections.
    const query = (connectionString: string) => async () => {
      const client = new Client({ connectionString, connectionTimeoutMillis: 500 });
      try {
        await client.connect();
        return await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    const app = express();
    const checks = { postgres: query('postgresql://postgres@127.0.0.1:5432/postgres'), ledger: query('postgresql://postgres@127.0.0.1:1/ledger') };
    app.get('/readyz', readinessHandler(checks, logger));
    // The same dependencies where only postgres decides readiness: the unreachable ledger only degrades it.
    app.get('/readyz-postgres', readinessHandler(checks, logger, () => false, ['postgres']));
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers only "ok" or "unreachable" per dependency, and logs why', async () => {
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(503);
    // Exactly this: no driver message, host or port for an anonymous caller.
    expect(await response.json()).toEqual({ status: 'not_ready', checks: { postgres: 'ok', ledger: 'unreachable' } });
    const line = JSON.parse(logged.join('').trim().split('\n').at(-1) as string) as { dependency: string; err: { message: string }; msg: string };
    expect(line).toMatchObject({ dependency: 'ledger', msg: 'readiness: ledger is unreachable' });
    expect(line.err.message).toContain('ECONNREFUSED');
  });

  it('stays ready, "degraded", while only a dependency that is not required is unreachable', async () => {
    const response = await fetch(`${url}/readyz-postgres`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'degraded', checks: { postgres: 'ok', ledger: 'unreachable' } });
  });
});

describe('GET /readyz while draining', () => {
  it('answers 503 draining at once, without waiting for a dependency', async () => {
    let draining = false;
    const app = express();
    // A dependency that never answers: a draining replica must not wait on it.
    app.get('/readyz', readinessHandler({ stuck: () => new Promise(() => undefined) }, undefined, () => draining));
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
      draining = true;
      const started = Date.now();
      const response = await fetch(url);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'draining' });
      expect(Date.now() - started).toBeLessThan(500);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
