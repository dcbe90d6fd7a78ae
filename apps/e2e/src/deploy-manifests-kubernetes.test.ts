import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '@tollgate/config';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { uniqueName } from '@tollgate/testing';
import { freePort } from './support/free-port';
import { KUBECTL, kustomize, parseYamlObjects, validateAgainstApiSchema, type KubeObject } from './support/kustomize';
import { REPO_ROOT } from './support/run-cli';
import { startService, type ServiceProcess } from './support/service-process';

/**
 * deploy/ rendered by kustomize (kubectl's) for every overlay, each object validated offline against the Kubernetes
 * API schemas (kubernetes-models), and the properties a platform team relies on asserted on the rendered output:
 * security contexts, probes, the spool volume, disruption budgets, autoscaling, network policies, the migration Job,
 * scraping, the SSE-friendly Ingress. No cluster: docs/deploy.md says what this does not check.
 */

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string; optional?: boolean } }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; runAsNonRoot?: boolean; capabilities?: { drop?: string[]; add?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  restartPolicy?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  volumes?: Array<{ name: string; emptyDir?: { sizeLimit?: string }; persistentVolumeClaim?: unknown }>;
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}
interface NetworkPolicyRule {
  from?: Array<{ namespaceSelector?: { matchLabels?: Record<string, string> }; podSelector?: unknown; ipBlock?: unknown }>;
  ports?: Array<{ port: string | number }>;
}

/**
 * Every setting the apps read: the config schema's, and those the built-in provider folders declare (an e2e test may
 * not import the providers library, so their names are listed here: `<PREFIX>_API_KEY(S)` and `<PREFIX>_BASE_URL`).
 */
const PROVIDER_SETTINGS = ['OPENAI', 'ANTHROPIC', 'GEMINI', 'MISTRAL', 'TOGETHER'].flatMap((prefix) => [`${prefix}_API_KEY`, `${prefix}_API_KEYS`, `${prefix}_BASE_URL`]);
const CONFIG_KEYS = new Set([...Object.keys(configSchema.shape), ...PROVIDER_SETTINGS]);
const DEFAULTS = configSchema.safeParse({}).data as Record<string, unknown> | undefined;
const OVERLAYS = ['dev', 'production', 'production-keda'] as const;
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job']);
const PREPARED = ['deploy/base', ...OVERLAYS.map((overlay) => `deploy/overlays/${overlay}`)];

function find(objects: KubeObject[], kind: string, name: string | RegExp): KubeObject {
  const found = objects.find((object) => object.kind === kind && (typeof name === 'string' ? object.metadata.name === name : name.test(object.metadata.name)));
  if (!found) throw new Error(`no ${kind} ${String(name)} in the rendered output`);
  return found;
}
const template = (object: KubeObject) => (object.spec as { template: PodTemplate }).template;
const firstContainer = (object: KubeObject) => template(object).spec.containers[0];

if (!KUBECTL) {
  // .ci/run installs kubectl, so CI always renders; a machine without it says why these tests did not run.
  if (process.env['CI']) throw new Error('kubectl is not installed: .ci/run should have installed it (apt-get install -y kubectl)');
  console.warn('kubectl is not installed (apt-get install -y kubectl): deploy/ not rendered, its tests skipped');
}
const describeRendered = KUBECTL ? describe : describe.skip;

describeRendered.each(PREPARED)('%s (kubectl kustomize)', (directory) => {
  const objects = kustomize(directory);
  const configMap = find(objects, 'ConfigMap', 'tollgate-config');
  const gateway = find(objects, 'StatefulSet', 'tollgate-gateway');
  const worker = find(objects, 'Deployment', 'tollgate-billing-worker');
  const job = find(objects, 'Job', /^tollgate-migrate-/);
  const gatewayContainer = firstContainer(gateway);
  const workerContainer = firstContainer(worker);

  it('renders, and every object matches the Kubernetes API schema of its kind', () => {
    const unknownKinds: string[] = [];
    for (const object of objects) if (!validateAgainstApiSchema(object)) unknownKinds.push(`${object.apiVersion}/${object.kind}`);
    // Custom resources only where the optional KEDA component is used; the rest renders with the core API alone.
    expect(unknownKinds).toEqual(directory.endsWith('production-keda') ? ['keda.sh/v1alpha1/ScaledObject'] : []);
    for (const kind of ['ConfigMap', 'StatefulSet', 'Deployment', 'Job', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'NetworkPolicy']) {
      expect(objects.map((object) => object.kind)).toContain(kind);
    }
  });

  it('runs every pod non-root with a read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
    const workloads = objects.filter((object) => WORKLOAD_KINDS.has(object.kind));
    expect(workloads).toHaveLength(3);
    for (const workload of workloads) {
      const pod = template(workload).spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const container of pod.containers) {
        expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
        expect(container.securityContext?.capabilities?.add).toBeUndefined();
        expect(container.resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
        expect(container.resources?.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
        // The only writable paths: /tmp (a small emptyDir) and the gateway's spool.
        const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
        expect(pod.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir?.sizeLimit).toEqual(expect.any(String));
      }
    }
  });

  it('probes the gateway: startup and liveness on /healthz, readiness on /readyz, all on the named http port', () => {
    expect(gatewayContainer.ports).toEqual([{ name: 'http', containerPort: Number(configMap.data?.['PORT']), protocol: 'TCP' }]);
    expect(gatewayContainer.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(gatewayContainer.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(gatewayContainer.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  it('gives the gateway longer to stop than its preStop pause plus SHUTDOWN_GRACE_MS plus a margin to meter and flush', () => {
    const graceMs = Number(configMap.data?.['SHUTDOWN_GRACE_MS'] ?? DEFAULTS?.['SHUTDOWN_GRACE_MS'] ?? 30_000);
    const preStop = (gatewayContainer as { lifecycle?: { preStop?: { exec?: { command: string[] } } } }).lifecycle?.preStop?.exec?.command ?? [];
    expect(preStop[0]).toBe('sleep');
    const margin = 15;
    expect(template(gateway).spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(Number(preStop[1]) + graceMs / 1000 + margin);
    expect(template(worker).spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
  });

  it("keeps each gateway replica's metering spool on its own PersistentVolumeClaim, at SPOOL_DIR", () => {
    const spec = gateway.spec as { volumeClaimTemplates: Array<{ metadata: { name: string }; spec: { accessModes: string[]; resources: { requests: { storage: string } } } }>; persistentVolumeClaimRetentionPolicy: Record<string, string>; replicas?: number };
    const claim = spec.volumeClaimTemplates.find((each) => each.metadata.name === 'spool');
    expect(claim?.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(claim?.spec.resources.requests.storage).toMatch(/^\d+(Mi|Gi)$/);
    expect(gatewayContainer.volumeMounts).toContainEqual({ name: 'spool', mountPath: configMap.data?.['SPOOL_DIR'] });
    // Not an emptyDir: the spool outlives the pod, and survives scaling down and deleting the StatefulSet.
    expect(template(gateway).spec.volumes?.find((volume) => volume.name === 'spool')).toBeUndefined();
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    // The HorizontalPodAutoscaler owns the replica count: a number here would reset it on every apply.
    expect(spec.replicas).toBeUndefined();
  });

  it('scales the gateway on CPU with a HorizontalPodAutoscaler aimed at its StatefulSet', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'tollgate-gateway').spec as { scaleTargetRef: Record<string, string>; minReplicas: number; maxReplicas: number; metrics: Array<{ type: string; resource?: { name: string; target: { type: string; averageUtilization: number } } }> };
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'tollgate-gateway' });
    expect(hpa.minReplicas).toBeGreaterThanOrEqual(directory.endsWith('dev') ? 1 : 2);
    if (directory.includes('production')) expect(hpa.minReplicas).toBeGreaterThanOrEqual(3);
    expect(hpa.maxReplicas).toBeGreaterThan(hpa.minReplicas);
    expect(hpa.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } }]);
  });

  it('points the Services and both PodDisruptionBudgets at their pods', () => {
    const gatewayLabels = template(gateway).metadata.labels;
    const workerLabels = template(worker).metadata.labels;
    const selectorOf = (object: KubeObject) => {
      const selector = (object.spec as { selector: Record<string, unknown> }).selector;
      return (selector['matchLabels'] as Record<string, string> | undefined) ?? (selector as Record<string, string>);
    };
    for (const [kind, name, labels] of [
      ['Service', 'tollgate-gateway', gatewayLabels],
      ['Service', 'tollgate-gateway-pods', gatewayLabels],
      ['PodDisruptionBudget', 'tollgate-gateway', gatewayLabels],
      ['PodDisruptionBudget', 'tollgate-billing-worker', workerLabels],
    ] as const) {
      const selector = selectorOf(find(objects, kind, name));
      expect(Object.keys(selector).length).toBeGreaterThan(0);
      expect(labels).toMatchObject(selector);
    }
    // Neither selects the migration Job's pods.
    expect(template(job).metadata.labels).not.toMatchObject(selectorOf(find(objects, 'PodDisruptionBudget', 'tollgate-gateway')));
    for (const name of ['tollgate-gateway', 'tollgate-billing-worker']) {
      expect((find(objects, 'PodDisruptionBudget', name).spec as { maxUnavailable: number }).maxUnavailable).toBe(1);
    }
    expect((find(objects, 'Service', 'tollgate-gateway').spec as { ports: Array<{ targetPort: string }> }).ports[0].targetPort).toBe('http');
    expect((gateway.spec as { serviceName: string }).serviceName).toBe('tollgate-gateway-pods');
    expect((find(objects, 'Service', 'tollgate-gateway-pods').spec as { clusterIP: string }).clusterIP).toBe('None');
  });

  it('denies ingress by default; the gateway is reached from the ingress and monitoring namespaces only, the worker from monitoring on its metrics port', () => {
    const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
    const spec = (name: string) => find(policies, 'NetworkPolicy', name).spec as { podSelector: { matchLabels?: Record<string, string> }; policyTypes: string[]; ingress?: NetworkPolicyRule[] };
    expect(spec('tollgate-default-deny-ingress')).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    const allowed = (name: string) =>
      (spec(name).ingress ?? []).map((rule) => {
        // Only whole namespaces, by their name label: no pod selectors, no IP blocks, no rule without a source.
        expect(rule.from?.length).toBe(1);
        expect(Object.keys(rule.from?.[0] ?? {})).toEqual(['namespaceSelector']);
        return `${rule.from?.[0].namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']}:${(rule.ports ?? []).map((port) => port.port).join(',')}`;
      });
    expect(spec('tollgate-gateway').podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'tollgate-gateway' });
    expect(allowed('tollgate-gateway').sort()).toEqual(['ingress-nginx:http', 'monitoring:http']);
    expect(spec('tollgate-billing-worker').podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'tollgate-billing-worker' });
    expect(allowed('tollgate-billing-worker')).toEqual(['monitoring:metrics']);
    for (const name of ['tollgate-gateway', 'tollgate-billing-worker']) expect(spec(name).policyTypes).toEqual(['Ingress']);
  });

  it('has Prometheus scrape both apps: /metrics on the gateway port and on the worker metrics port', () => {
    const scrape = (object: KubeObject) => template(object).metadata.annotations ?? {};
    expect(scrape(gateway)).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/path': '/metrics', 'prometheus.io/port': String(gatewayContainer.ports?.[0].containerPort) });
    const metricsPort = workerContainer.ports?.find((port) => port.name === 'metrics')?.containerPort;
    expect(metricsPort).toBe(Number(configMap.data?.['METRICS_PORT'] ?? DEFAULTS?.['METRICS_PORT'] ?? 9464));
    expect(scrape(worker)).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/path': '/metrics', 'prometheus.io/port': String(metricsPort) });
  });

  it('migrates once per release: a Job named after the gateway image tag runs `tollgate migrate`; replicas only check', () => {
    const tag = gatewayContainer.image.split(':').at(-1);
    expect(job.metadata.name).toBe(`tollgate-migrate-${tag}`);
    const container = firstContainer(job);
    expect(container.image).toBe(gatewayContainer.image);
    expect(container.command).toEqual(['node', 'apps/cli/bin/tollgate.cjs', 'migrate']);
    expect(template(job).spec.restartPolicy).toBe('Never');
    expect(job.spec).toMatchObject({ backoffLimit: expect.any(Number), activeDeadlineSeconds: expect.any(Number) });
    expect(container.envFrom).toEqual(workerContainer.envFrom);
    expect(configMap.data?.['MIGRATE_ON_START']).toBe('false');
  });

  it('configures the apps only with settings libs/config knows; the worker and the Job get no provider or auth keys', () => {
    for (const key of Object.keys(configMap.data ?? {})) expect(CONFIG_KEYS).toContain(key);
    const secrets = (container: Container) => (container.envFrom ?? []).flatMap((source) => (source.secretRef ? [source.secretRef.name.replace(/-[a-z0-9]{10}$/, '')] : []));
    expect(secrets(gatewayContainer)).toEqual(['tollgate-secrets', 'tollgate-provider-keys', 'tollgate-auth']);
    expect(gatewayContainer.envFrom?.filter((source) => source.secretRef?.optional).map((source) => source.secretRef?.name)).toEqual(['tollgate-provider-keys', 'tollgate-auth']);
    expect(secrets(workerContainer)).toEqual(['tollgate-secrets']);
    for (const container of [gatewayContainer, workerContainer]) expect(container.envFrom?.[0]).toEqual({ configMapRef: { name: 'tollgate-config' } });
  });

  if (directory.includes('production')) {
    it('routes the public API through an SSE-friendly ingress-nginx Ingress (no buffering, long read timeout), nothing internal', () => {
      const ingress = find(objects, 'Ingress', 'tollgate-gateway');
      const annotations = ingress.metadata.annotations ?? {};
      expect(annotations['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
      expect(annotations['nginx.ingress.kubernetes.io/proxy-request-buffering']).toBe('off');
      const generateSeconds = Number(configMap.data?.['UPSTREAM_GENERATE_TIMEOUT_MS']) / 1000;
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(generateSeconds);
      const paths = (ingress.spec as { rules: Array<{ http: { paths: Array<{ path: string; backend: { service: { name: string; port: { name: string } } } }> } }> }).rules.flatMap((rule) => rule.http.paths);
      expect(paths.map((each) => each.path)).toContain('/v1');
      for (const each of paths) {
        expect(each.backend.service).toEqual({ name: 'tollgate-gateway', port: { name: 'http' } });
        expect(each.path).not.toMatch(/^\/(admin|metrics|healthz|readyz)?$/);
      }
    });
  }

  if (directory.endsWith('production-keda')) {
    it('scales the worker on the BullMQ wait list with KEDA, which then owns its replica count', () => {
      const scaled = find(objects, 'ScaledObject', 'tollgate-billing-worker');
      const spec = scaled.spec as { scaleTargetRef: Record<string, string>; minReplicaCount: number; maxReplicaCount: number; triggers: Array<{ type: string; metadata: Record<string, string> }> };
      expect(scaled.metadata.namespace).toBe(worker.metadata.namespace);
      expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'tollgate-billing-worker' });
      expect(spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      expect(spec.maxReplicaCount).toBeGreaterThan(spec.minReplicaCount);
      expect(spec.triggers).toEqual([{ type: 'redis', metadata: expect.objectContaining({ listName: `bull:${configMap.data?.['METERING_QUEUE']}:wait`, listLength: expect.stringMatching(/^\d+$/) }) }]);
      expect((worker.spec as { replicas?: number }).replicas).toBeUndefined();
    });
  } else {
    it('needs no custom resource definitions (KEDA is an optional component)', () => {
      expect(objects.filter((object) => object.kind === 'ScaledObject')).toEqual([]);
      expect((worker.spec as { replicas?: number }).replicas).toBeGreaterThanOrEqual(1);
    });
  }
});

describe('deploy/ files', () => {
  it('lists every manifest file of the base, and the Secret examples match the schema and configure only known settings', () => {
    const kustomization = parse(readFileSync(path.join(REPO_ROOT, 'deploy/base/kustomization.yaml'), 'utf8')) as { resources: string[] };
    const files = readdirSync(path.join(REPO_ROOT, 'deploy/base')).filter((file) => /\.ya?ml$/.test(file));
    expect(files.sort()).toEqual([...kustomization.resources, 'kustomization.yaml', 'secret.example.yaml'].sort());
    const examples = parseYamlObjects(readFileSync(path.join(REPO_ROOT, 'deploy/base/secret.example.yaml'), 'utf8'));
    expect(examples.map((secret) => secret.metadata.name)).toEqual(['tollgate-secrets', 'tollgate-provider-keys', 'tollgate-auth']);
    for (const secret of examples) {
      expect(validateAgainstApiSchema(secret)).toBe(true);
      for (const key of Object.keys(secret.stringData ?? {})) expect(CONFIG_KEYS).toContain(key);
    }
    expect(Object.keys(examples[0].stringData ?? {})).toEqual(['DATABASE_URL', 'REDIS_URL']);
    expect(Object.keys(examples[2].stringData ?? {})).toEqual(expect.arrayContaining(['ADMIN_TOKEN', 'JWT_SECRET']));
  });

  it('rejects an object that breaks the schema (the validation is real)', () => {
    const broken = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'broken' }, spec: { replicas: 'two', selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ image: 'x' }] } } } };
    expect(() => validateAgainstApiSchema(broken as unknown as KubeObject)).toThrow(/replicas must be integer.*must have required property name/s);
  });
});

describeRendered('the built gateway answers the probes of the rendered production StatefulSet', () => {
  let db: TestDatabase;
  let service: ServiceProcess;
  let url: string;
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'tollgate-probes-spool-'));
  const gatewayContainer = KUBECTL ? firstContainer(find(kustomize('deploy/overlays/production'), 'StatefulSet', 'tollgate-gateway')) : undefined;

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
      // As in the cluster: the schema is migrated (createTestDatabase), the replica only checks it.
      MIGRATE_ON_START: 'false',
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

  it.each(['startupProbe', 'livenessProbe', 'readinessProbe'] as const)('answers the %s with 200', async (probe) => {
    const probePath = gatewayContainer?.[probe]?.httpGet?.path;
    expect(probePath).toEqual(expect.stringMatching(/^\//));
    const response = await fetch(`${url}${probePath}`);
    expect(response.status).toBe(200);
  });
});
