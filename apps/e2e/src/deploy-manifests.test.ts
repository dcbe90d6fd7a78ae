import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { configSchema } from '@tollgate/config';
import { createTestDatabase, type TestDatabase } from '@tollgate/db';
import { uniqueName } from '@tollgate/testing';
import { freePort } from './support/free-port';
import { REPO_ROOT } from './support/run-cli';
import { startService, type ServiceProcess } from './support/service-process';

/**
 * The deployment files (docker-compose.yml, the apps' Dockerfiles, the Kustomize base in deploy/) agree with the
 * code: the services and settings the apps read, the bundles' runtime packages, and the health endpoints the gateway
 * serves. Nothing is rendered or built here (no Docker engine, no cluster); docs/deploy.md says what was checked how.
 */

type Json = Record<string, unknown>;
interface Container {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string; optional?: boolean } }>;
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Json; limits?: Json };
  securityContext?: Json;
}
/** A manifest as the test reads it: only Deployments have a template, and only theirs is read. */
interface Workload {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    replicas?: number;
    selector?: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; securityContext?: Json } };
    ports?: Array<{ targetPort: string | number }>;
  };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const APPS = ['gateway', 'billing-worker'] as const;
const CONFIG_KEYS = new Set(Object.keys(configSchema.shape));
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

/** Every YAML document of a file under deploy/, as plain objects. */
function manifests(relative: string): Workload[] {
  return parseAllDocuments(repoFile(relative))
    .map((document) => document.toJS() as Workload | null)
    .filter((document): document is Workload => document !== null);
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

describe.each(APPS)('apps/%s/Dockerfile', (app) => {
  const instructions = dockerfileInstructions(repoFile(`apps/${app}/Dockerfile`));
  const runtime = instructions.slice(instructions.map(([keyword]) => keyword).lastIndexOf('FROM'));
  const args = (keyword: string, within = instructions) => within.filter(([name]) => name === keyword).map(([, rest]) => rest);

  it('builds on Node 22 LTS (bookworm-slim) and runs the esbuild bundle as a non-root user', () => {
    expect(args('ARG')).toContain('NODE_IMAGE=node:22-bookworm-slim');
    expect(args('FROM').length).toBeGreaterThanOrEqual(2);
    expect(args('RUN').join('\n')).toContain(`node tools/build-app.mjs apps/${app}`);
    expect(args('RUN').join('\n')).toContain('node tools/prisma-generate.mjs');
    expect(args('RUN', runtime).join('\n')).toMatch(/npm ci --omit=dev/);
    expect(args('ENV', runtime).join(' ')).toMatch(/NODE_ENV=production/);
    expect(args('COPY', runtime)).toEqual(expect.arrayContaining(['prisma/migrations prisma/migrations', `--from=build /app/apps/${app}/dist apps/${app}/dist`]));
    const user = args('USER', runtime).at(-1) ?? 'root';
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(args('CMD', runtime)).toEqual([`["node", "apps/${app}/dist/main.js"]`]);
  });

  it("copies every npm workspace's package.json before each npm ci", () => {
    const copies = args('COPY');
    for (const workspace of rootPackage.workspaces ?? []) {
      expect(copies.filter((copy) => copy === `${workspace}/package.json ${workspace}/package.json`)).toHaveLength(2);
    }
  });

  it('gets every package its bundle loads at run time from "dependencies" (npm ci --omit=dev installs no others)', () => {
    const bundle = path.join(REPO_ROOT, `apps/${app}/dist/main.js`);
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`node tools/build-app.mjs apps/${app}\` first`);
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
    it('exposes 8080 and checks /healthz', () => {
      expect(args('EXPOSE', runtime)).toEqual(['8080']);
      expect(args('HEALTHCHECK', runtime).join(' ')).toContain('/healthz');
    });
  }
});

describe('deploy/base (Kustomize)', () => {
  const kustomization = parse(repoFile('deploy/base/kustomization.yaml')) as { resources: string[] };
  const resources = kustomization.resources.flatMap((file) => manifests(`deploy/base/${file}`));
  const exampleSecrets = manifests('deploy/base/secret.example.yaml');
  const find = (kind: string, name: string) => {
    const found = resources.find((resource) => resource.kind === kind && resource.metadata.name === name);
    if (!found) throw new Error(`deploy/base has no ${kind} ${name}`);
    return found;
  };
  const gateway = find('Deployment', 'tollgate-gateway');
  const gatewayContainer = gateway.spec.template.spec.containers[0];

  it('lists every manifest file of the folder, and each document has apiVersion, kind and metadata.name', () => {
    const files = readdirSync(path.join(REPO_ROOT, 'deploy/base')).filter((file) => /\.ya?ml$/.test(file));
    expect(files.sort()).toEqual([...kustomization.resources, 'kustomization.yaml', 'secret.example.yaml'].sort());
    for (const resource of [...resources, ...exampleSecrets]) {
      expect(resource.apiVersion).toEqual(expect.any(String));
      expect(resource.kind).toEqual(expect.any(String));
      expect(resource.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(resources.map((resource) => resource.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Deployment', 'PodDisruptionBudget', 'Service']);
  });

  it('configures the apps only with settings libs/config knows, from the ConfigMap and the Secrets the example shows', () => {
    const configMap = find('ConfigMap', 'tollgate-config');
    const secretNames = exampleSecrets.map((secret) => secret.metadata.name);
    for (const key of [...Object.keys(configMap.data ?? {}), ...exampleSecrets.flatMap((secret) => Object.keys(secret.stringData ?? {}))]) {
      expect(CONFIG_KEYS).toContain(key);
    }
    expect(exampleSecrets.flatMap((secret) => Object.keys(secret.stringData ?? {}))).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL']));
    for (const deployment of resources.filter((resource) => resource.kind === 'Deployment')) {
      for (const source of deployment.spec.template.spec.containers[0].envFrom ?? []) {
        if (source.configMapRef) expect(source.configMapRef.name).toBe('tollgate-config');
        if (source.secretRef) expect(secretNames).toContain(source.secretRef.name);
      }
    }
    expect(gatewayContainer.ports?.[0].containerPort).toBe(Number(configMap.data?.['PORT']));
  });

  it('runs two gateways with probes on /healthz and /readyz, resources and a non-root security context', () => {
    expect(gateway.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(gatewayContainer.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(gatewayContainer.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(gatewayContainer.livenessProbe?.httpGet?.port).toBe(gatewayContainer.ports?.[0].name);
    expect(gatewayContainer.resources?.requests).toBeDefined();
    expect(gatewayContainer.resources?.limits).toBeDefined();
    expect(gateway.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(gatewayContainer.securityContext).toMatchObject({ allowPrivilegeEscalation: false });
  });

  it('runs at least one billing worker, which gets no provider keys', () => {
    const worker = find('Deployment', 'tollgate-billing-worker');
    expect(worker.spec.replicas).toBeGreaterThanOrEqual(1);
    const secrets = (worker.spec.template.spec.containers[0].envFrom ?? []).flatMap((source) => (source.secretRef ? [source.secretRef.name] : []));
    expect(secrets).toEqual(['tollgate-secrets']);
  });

  it("points the Service and the PodDisruptionBudget at the gateway's pods", () => {
    const podLabels = gateway.spec.template.metadata.labels;
    for (const kind of ['Service', 'PodDisruptionBudget']) {
      const resource = find(kind, 'tollgate-gateway');
      const selector = (resource.spec.selector as { matchLabels?: Record<string, string> } | Record<string, string>) ?? {};
      const labels = 'matchLabels' in selector ? (selector.matchLabels as Record<string, string>) : (selector as Record<string, string>);
      expect(Object.keys(labels).length).toBeGreaterThan(0);
      expect(podLabels).toMatchObject(labels);
    }
    expect(find('Service', 'tollgate-gateway').spec.ports?.[0].targetPort).toBe(gatewayContainer.ports?.[0].name);
  });

  it.each(['dev', 'production'])('has a %s overlay on the base', (overlay) => {
    const file = parse(repoFile(`deploy/overlays/${overlay}/kustomization.yaml`)) as { resources: string[]; namespace: string; images: unknown[] };
    expect(file.resources).toContain('../../base');
    expect(file.namespace).toEqual(expect.any(String));
    expect(file.images).toHaveLength(2);
  });

  describe('the built gateway', () => {
    let db: TestDatabase;
    let service: ServiceProcess;
    let url: string;
    const spoolDir = mkdtempSync(path.join(tmpdir(), 'tollgate-probes-spool-'));

    beforeAll(async () => {
      db = await createTestDatabase();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      service = startService('gateway', {
        DATABASE_URL: db.databaseUrl,
        DATABASE_SCHEMA: db.schema,
        REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        METERING_QUEUE: uniqueName('metering-probes'),
        HOST: '127.0.0.1',
        PORT: String(port),
        SPOOL_DIR: spoolDir,
        LOG_LEVEL: 'warn',
      });
      const deadline = Date.now() + 20_000;
      for (;;) {
        if (service.child.exitCode !== null || Date.now() > deadline) throw new Error(`gateway did not start:\n${service.output()}`);
        if (await fetch(`${url}/healthz`).then((response) => response.ok, () => false)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }, 30_000);
    afterAll(async () => {
      await service?.stop();
      await db?.drop();
      rmSync(spoolDir, { recursive: true, force: true });
    });

    it.each([
      ['startup', () => gatewayContainer.startupProbe],
      ['liveness', () => gatewayContainer.livenessProbe],
      ['readiness', () => gatewayContainer.readinessProbe],
    ])('answers the %s probe with 200', async (_kind, probe) => {
      const probePath = probe()?.httpGet?.path;
      expect(probePath).toEqual(expect.stringMatching(/^\//));
      const response = await fetch(`${url}${probePath}`);
      expect(response.status).toBe(200);
    });
  });
});
