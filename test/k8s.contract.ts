/** Reading the Kubernetes manifests the way the cluster would: rendered by kubectl (kustomize). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };

function kubectl(args: string[]): string {
  try {
    return execFileSync('kubectl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    // No silent fallback: replacements and generators are what is under test here.
    if (err.code === 'ENOENT') throw new Error('kubectl is not installed: these tests render the manifests with `kubectl kustomize`');
    throw new Error(`kubectl ${args.join(' ')}: ${err.stderr ?? err.message}`);
  }
}

/** Multi-document YAML read with YAML 1.1 rules, as kubectl reads it ("on" and "yes" are booleans there). */
export function parseDocs(text: string): Doc[] {
  return parseAllDocuments(text, { version: '1.1' })
    .map((d) => d.toJSON() as Doc)
    .filter(Boolean);
}

/** `kubectl kustomize k8s/<dir>`. */
export function render(dir: string): Doc[] {
  return kustomizeDir(join(ROOT, 'k8s', dir));
}

export function kustomizeDir(path: string): Doc[] {
  return parseDocs(kubectl(['kustomize', path]));
}

/**
 * The objects kubectl reads from a YAML stream: kustomize parses the stream with the Kubernetes
 * YAML reader and prints it back in its canonical form.
 */
export function kubectlReads(yamlText: string): Doc[] {
  const dir = mkdtempSync(join(tmpdir(), 'sqs-blast-k8s-'));
  try {
    writeFileSync(join(dir, 'run.yaml'), yamlText);
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [run.yaml]\n');
    return kustomizeDir(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function find(docs: Doc[], kind: string, name: string | RegExp): Doc {
  const d = docs.find((x) => x.kind === kind && (typeof name === 'string' ? x.metadata.name === name : name.test(x.metadata.name)));
  if (!d) throw new Error(`${kind}/${name} not rendered`);
  return d;
}

/** The ConfigMap a pod's envFrom names (kustomize appends a content hash to generated names). */
export function envConfigMap(docs: Doc[], job: Doc): Doc {
  const name = job.spec.template.spec.containers[0].envFrom[0].configMapRef.name;
  return find(docs, 'ConfigMap', name);
}
