import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createLogger } from '@tollgate/config';
import { errorMiddleware } from '../http/error-middleware';
import { actorOf, adminAuth } from './admin-auth';

/** The guard alone, in front of a route that says who got in, with the gateway's error middleware. */
async function serve(adminToken: string | undefined): Promise<{ server: Server; url: string }> {
  const app = express();
  app.use('/admin', adminAuth(adminToken), (_request, response) => {
    response.json({ actor: actorOf(response) });
  });
  app.use(errorMiddleware(createLogger('test', 'silent'), async () => null));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin` };
}

describe('adminAuth', () => {
  it('refuses everyone with 403 admin_disabled when no ADMIN_TOKEN is configured', async () => {
    const { server, url } = await serve(undefined);
    try {
      for (const authorization of [undefined, 'Bearer anything', 'Bearer ']) {
        const response = await fetch(url, { headers: authorization ? { authorization } : {} });
        expect(response.status).toBe(403);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('admin_disabled');
      }
    } finally {
      server.close();
    }
  });

  it('lets the token in (any letter case of Bearer) and records the actor label only when it is sane', async () => {
    const token = 'x'.repeat(40);
    const { server, url } = await serve(token);
    try {
      const plain = await fetch(url, { headers: { authorization: `bearer ${token}` } });
      expect(await plain.json()).toEqual({ actor: 'admin-token' });
      const labelled = await fetch(url, { headers: { authorization: `Bearer ${token}`, 'x-tollgate-actor': 'bob@example.com' } });
      expect(await labelled.json()).toEqual({ actor: 'admin-token (bob@example.com)' });
      const odd = await fetch(url, { headers: { authorization: `Bearer ${token}`, 'x-tollgate-actor': 'a\tb'.repeat(40) } });
      expect(await odd.json()).toEqual({ actor: 'admin-token' });
      const prefix = await fetch(url, { headers: { authorization: `Bearer ${token.slice(0, 39)}` } });
      expect(prefix.status).toBe(401);
      const basic = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` } });
      expect(basic.status).toBe(401);
    } finally {
      server.close();
    }
  });
});
