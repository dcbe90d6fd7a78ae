import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '@tollgate/config';
import { REPO_ROOT } from './support/run-cli';

/**
 * The container files (docker-compose.yml, the apps' Dockerfiles) agree with the code: the services and settings the
 * apps read, the migration one-shot before them, the bundles' runtime packages. The compose file is validated with
 * `docker-compose config`; the Dockerfiles are parsed (no Docker engine here). deploy/ (Kubernetes) is checked in
 * deploy-manifests-kubernetes.test.ts; docs/deploy.md says what was checked how.
 */

const APPS = ['gateway', 'billing-worker'] as const;
/** Every app with an image: the two services and the MCP server. */
const IMAGES = ['gateway', 'billing-worker', 'mcp-server'] as const;
/**
 * Every setting the apps read: the config schema's, and those the built-in provider folders declare (an e2e test may
 * not import the providers library, so their names are listed here: `<PREFIX>_API_KEY(S)` and `<PREFIX>_BASE_URL`).
 */
const PROVIDER_SETTINGS = ['OPENAI', 'ANTHROPIC', 'GEMINI', 'MISTRAL', 'TOGETHER'].flatMap((prefix) => [`${prefix}_API_KEY`, `${prefix}_API_KEYS`, `${prefix}_BASE_URL`]);
const CONFIG_KEYS = new Set([...Object.keys(configSchema.shape), ...PROVIDER_SETTINGS]);
const repoFile = (relative: string) => readFileSync(path.join(REPO_ROOT, relative), 'utf8');
const rootPackage = JSON.parse(repoFile('package.json')) as { workspaces?: string[]; dependencies?: Record<string, string> };

/** Dockerfile instructions with continuation lines joined and comments dropped: [KEYWORD, arguments]. */
function dockerfileInstructions(source: string): Array<[string, string]> {
  const lines = source.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim());
  return lines
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return [keyword.toUpperCase(), rest.join(' ')];
    });
}

describe('docker-compose.yml', () => {
  const compose = parse(repoFile('docker-compose.yml'), { merge: true }) as {
    services: Record<string, { image?: string; build?: { dockerfile: string }; command?: string[]; restart?: string; ports?: string[]; environment?: Record<string, string>; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }> }>;
  };
  const services = compose.services;

  it('has the databases and both apps', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'redis', 'gateway', 'billing-worker']));
    expect(services['postgres'].image).toMatch(/^postgres:15\b/);
    expect(services['redis'].image).toMatch(/^redis:7\b/);
  });

  it.each(['postgres', 'redis'])('%s has a healthcheck and is published on loopback only', (name) => {
    expect(services[name].healthcheck?.test.length).toBeGreaterThan(0);
    const port = name === 'postgres' ? 5432 : 6379;
    expect(services[name].ports).toEqual([`127.0.0.1:${port}:${port}`]);
  });

  it.each(APPS)('%s is built from its Dockerfile, reaches both databases and waits for them to be healthy', (app) => {
    const service = services[app];
    expect(service.build?.dockerfile).toBe(`apps/${app}/Dockerfile`);
    expect(existsSync(path.join(REPO_ROOT, `apps/${app}/Dockerfile`))).toBe(true);
    const environment = service.environment ?? {};
    expect(new URL(environment['DATABASE_URL']).host).toBe('postgres:5432');
    expect(new URL(environment['DATABASE_URL']).pathname).toBe('/tollgate');
    expect(new URL(environment['REDIS_URL']).host).toBe('redis:6379');
    for (const key of Object.keys(environment)) expect(CONFIG_KEYS).toContain(key);
    expect(service.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
    });
    // The one-shot migrated before they start: they only check the schema.
    expect(environment['MIGRATE_ON_START']).toBe('false');
  });

  it('migrates once with `tollgate migrate` from the gateway image, after Postgres is healthy, and exits', () => {
    const migrate = services['migrate'];
    expect(migrate.image).toBe(services['gateway'].image);
    expect(migrate.build?.dockerfile).toBe('apps/gateway/Dockerfile');
    expect(migrate.command).toEqual(['node', 'apps/cli/bin/tollgate.cjs', 'migrate']);
    expect(migrate.restart).toBe('no');
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(migrate.environment?.['DATABASE_URL']).toBe(services['gateway'].environment?.['DATABASE_URL']);
    for (const key of Object.keys(migrate.environment ?? {})) expect(CONFIG_KEYS).toContain(key);
    // The databases alone (`docker compose up -d postgres redis`) start nothing else.
    expect(services['postgres'].depends_on).toBeUndefined();
    expect(services['redis'].depends_on).toBeUndefined();
  });

  it('validates with `docker-compose config` (Debian docker-compose 1.29, no engine needed)', () => {
    const binary = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((candidate) => existsSync(candidate));
    if (!binary) {
      // .ci/run installs it, so CI always validates; a developer machine without it skips only this check, saying so.
      if (process.env['CI']) throw new Error('docker-compose is not installed: .ci/run should have installed it (apt-get install -y docker-compose)');
      console.warn('docker-compose is not installed (apt-get install -y docker-compose): compose file not validated');
      return;
    }
    const rendered = parse(execFileSync(binary, ['-f', path.join(REPO_ROOT, 'docker-compose.yml'), 'config'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, COMPOSE_PROJECT_NAME: 'tollgate' } })) as typeof compose;
    expect(Object.keys(rendered.services).sort()).toEqual(Object.keys(services).sort());
    for (const app of APPS) expect(rendered.services[app].depends_on?.['migrate']).toEqual({ condition: 'service_completed_successfully' });
  });

  it('publishes the gateway on 8080 and passes provider keys through from the host', () => {
    expect(services['gateway'].ports).toEqual(['8080:8080']);
    for (const provider of ['OPENAI', 'ANTHROPIC', 'GEMINI', 'MISTRAL', 'TOGETHER']) {
      expect(services['gateway'].environment?.[`${provider}_API_KEY`]).toBe(`\${${provider}_API_KEY:-}`);
      expect(services['billing-worker'].environment?.[`${provider}_API_KEY`]).toBeUndefined();
    }
  });
});

describe.each(IMAGES)('apps/%s/Dockerfile', (app) => {
  const instructions = dockerfileInstructions(repoFile(`apps/${app}/Dockerfile`));
  const runtime = instructions.slice(instructions.map(([keyword]) => keyword).lastIndexOf('FROM'));
  const args = (keyword: string, within = instructions) => within.filter(([name]) => name === keyword).map(([, rest]) => rest);
  /** Apps whose bundle goes into this image: the CLI rides in the gateway's, for `tollgate migrate`. */
  const bundled = app === 'gateway' ? ['gateway', 'cli'] : [app];
  const usesDatabase = app !== 'mcp-server';

  it('builds in one stage on Node 22 LTS (bookworm-slim) and runs the esbuild bundle in another, as a non-root user', () => {
    expect(args('ARG')).toContain('NODE_IMAGE=node:22-bookworm-slim');
    expect(args('FROM')).toEqual(['${NODE_IMAGE} AS build', '${NODE_IMAGE} AS runtime']);
    for (const each of bundled) expect(args('RUN').join('\n')).toContain(`node tools/build-app.mjs apps/${each}`);
    if (usesDatabase) expect(args('RUN').join('\n')).toContain('node tools/prisma-generate.mjs');
    expect(args('ENV', runtime).join(' ')).toMatch(/\bNODE_ENV=production\b/);
    const user = args('USER', runtime).at(-1) ?? 'root';
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(args('CMD', runtime)).toEqual([`["node", "apps/${app}/dist/main.js"]`]);
  });

  it('installs production dependencies only in the runtime stage and copies nothing else from the build stage but bundles', () => {
    const installs = args('RUN', runtime).filter((command) => command.includes('npm '));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/npm ci --omit=dev --omit=optional --ignore-scripts/);
    expect(installs[0]).not.toMatch(/npm (install|i) /);
    const fromBuild = args('COPY', runtime).filter((copy) => copy.startsWith('--from='));
    expect(fromBuild.sort()).toEqual(bundled.map((each) => `--from=build /app/apps/${each}/dist apps/${each}/dist`).sort());
    // Nothing of the build stage's node_modules (dev dependencies), sources or tools beyond the bin launcher.
    for (const copy of args('COPY', runtime)) expect(copy).not.toMatch(/node_modules|\blibs\b|\/src\b|^tools |^\. /);
  });

  it(usesDatabase ? 'checks the schema at start instead of migrating (MIGRATE_ON_START=false) and ships the migrations' : 'needs no database', () => {
    const copies = args('COPY', runtime);
    if (!usesDatabase) {
      expect(copies.join('\n')).not.toContain('prisma');
      return;
    }
    expect(args('ENV', runtime).join(' ')).toMatch(/\bMIGRATE_ON_START=false\b/);
    expect(copies).toContain('prisma/migrations prisma/migrations');
    if (app === 'gateway') {
      // `node apps/cli/bin/tollgate.cjs migrate` (the migration Job and compose service) finds its launcher and bundle.
      expect(copies).toEqual(expect.arrayContaining(['apps/cli/bin apps/cli/bin', 'tools/run-app-bin.cjs tools/run-app-bin.cjs']));
    }
  });

  it("copies every npm workspace's package.json before each npm ci", () => {
    const copies = args('COPY');
    for (const workspace of rootPackage.workspaces ?? []) {
      expect(copies.filter((copy) => copy === `${workspace}/package.json ${workspace}/package.json`)).toHaveLength(2);
    }
  });

  it.each(bundled)('gets every package the %s bundle loads at run time from "dependencies" (npm ci --omit=dev installs no others)', (each) => {
    const bundle = path.join(REPO_ROOT, `apps/${each}/dist/main.js`);
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`node tools/build-app.mjs apps/${each}\` first`);
    const specifiers = [...readFileSync(bundle, 'utf8').matchAll(/\b(?:require|import)\("([^"./][^"]*)"\)/g)].map((match) => match[1]);
    const builtins = new Set(builtinModules);
    const packages = new Set(
      specifiers
        .filter((specifier) => !specifier.startsWith('node:') && !builtins.has(specifier.split('/')[0]))
        .map((specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/')),
    );
    expect(packages.size).toBeGreaterThan(0);
    for (const name of packages) expect(Object.keys(rootPackage.dependencies ?? {})).toContain(name);
  });

  if (app === 'gateway') {
    it('exposes 8080 and checks /healthz with node (the slim image has no curl)', () => {
      expect(args('EXPOSE', runtime)).toEqual(['8080']);
      const healthcheck = args('HEALTHCHECK', runtime).join(' ');
      expect(healthcheck).toContain('/healthz');
      expect(healthcheck).toMatch(/CMD \["node", "-e"/);
    });
  }
  if (app === 'billing-worker') {
    it('exposes its metrics port', () => {
      expect(args('EXPOSE', runtime)).toEqual(['9464']);
    });
  }
  if (app === 'mcp-server') {
    it('has no port and no HEALTHCHECK (stdio)', () => {
      expect(args('EXPOSE', runtime)).toEqual([]);
      expect(args('HEALTHCHECK', runtime)).toEqual([]);
    });
  }
});
