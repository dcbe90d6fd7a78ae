import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './run-cli';

/** A rendered Kubernetes object, read loosely: the tests look into the parts they check. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** Where kubectl is, or undefined (CI installs it: .ci/run). */
export const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((candidate) => existsSync(candidate));

/** `kubectl kustomize <dir>` (the kustomize built into kubectl): every object of the folder, as plain objects. */
export function kustomize(relativeDirectory: string): KubeObject[] {
  if (!KUBECTL) throw new Error('kubectl is not installed (apt-get install -y kubectl): cannot render deploy/');
  const output = execFileSync(KUBECTL, ['kustomize', path.join(REPO_ROOT, relativeDirectory)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseYamlObjects(output);
}

/** Every non-empty YAML document of a text. */
export function parseYamlObjects(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((document): document is KubeObject => document !== null);
}

interface ValidatingModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => ValidatingModel;

/**
 * Validates an object against the Kubernetes API's OpenAPI schema for its apiVersion and kind (the `kubernetes-models`
 * package, offline). Throws naming the object and every schema error; returns false for kinds the package does not
 * know (custom resources such as KEDA's ScaledObject), which callers check by hand.
 */
export function validateAgainstApiSchema(object: KubeObject): boolean {
  const modulePath = `kubernetes-models/${object.apiVersion}/${object.kind}`;
  let model: ModelClass | undefined;
  try {
    model = (require(modulePath) as Record<string, ModelClass>)[object.kind];
  } catch {
    return false;
  }
  if (!model) return false;
  // kustomize folds long base64 values over lines; the API server ignores that whitespace, the format check does not.
  const unfolded =
    object.data && object.kind === 'Secret' ? { ...object, data: Object.fromEntries(Object.entries(object.data).map(([key, value]) => [key, value.replace(/\s+/g, '')])) } : object;
  try {
    new model(unfolded).validate();
  } catch (error) {
    throw new Error(`${object.kind} ${object.metadata.name} does not match the ${object.apiVersion} schema: ${(error as Error).message}`);
  }
  return true;
}
