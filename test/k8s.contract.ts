/** Reading the Kubernetes manifests the way the cluster would: rendered by kustomize. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: any };

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const KUBECTL = hasKubectl();

/** `kubectl kustomize DIR` when kubectl is installed; otherwise the resources listed, as files. */
export function render(dir: string): Doc[] {
  const path = join(ROOT, 'k8s', dir);
  const text = KUBECTL
    ? execFileSync('kubectl', ['kustomize', path], { encoding: 'utf8' })
    : (parseAllDocuments(readFileSync(join(path, 'kustomization.yaml'), 'utf8'))[0].toJSON().resources as string[])
        .map((f) => readFileSync(join(path, f), 'utf8'))
        .join('\n---\n');
  return parseAllDocuments(text).map((d) => d.toJSON() as Doc).filter(Boolean);
}

export function find(docs: Doc[], kind: string, name: string): Doc {
  const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!d) throw new Error(`${kind}/${name} not rendered`);
  return d;
}
