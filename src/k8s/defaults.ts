/**
 * Defaults of `sqs-blast k8s manifests`, and the image it pulls when no --image is given: the one
 * the release workflow (.github/workflows/image.yml) pushes for this package version.
 * k8s/base/run.yaml and k8s/keda name the same repository; test/k8s.test.ts keeps them in step.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const IMAGE_REPOSITORY = 'ghcr.io/sqs-blast/sqs-blast';

/** The taint of the NodePool in k8s/karpenter, tolerated when --node-pool pins the pods. */
export const LOAD_TAINT = 'sqs-blast/load';

export const K8S_DEFAULTS = {
  namespace: 'sqs-blast',
  shards: 20,
  total: 1_000_000,
  queues: 4,
  queuePrefix: 'sqs-blast',
  messageSize: 10_240,
  region: 'us-east-1',
  cpu: '2',
  memory: '2Gi',
  // A drain pod may start minutes before the send pods are scheduled (new nodes, image pulls);
  // once messages flow, a short silence means the producers are done.
  startTimeout: 300,
  idleTimeout: 30,
  // Results live in S3 (or were collected from the logs by then): an hour to look, then gone.
  ttlAfterFinished: 3600,
} as const;

let version: string | undefined;

/** The package's version, found from here up (src/k8s when tested, dist/src/k8s when built). */
export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); !version && dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) version = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  if (!version) throw new Error('package.json not found above src/k8s');
  return version;
}
