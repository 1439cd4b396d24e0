/**
 * The manifests of one run as multi-document YAML for `kubectl apply -f -`, with comments a
 * reviewer can read. Strings are quoted the YAML 1.1 way (kubectl's parser reads "on", "yes" and
 * "y" as booleans), so what kubectl sees is exactly the objects built here.
 */
import { Document } from 'yaml';
import { RUN_ID_LABEL, runManifests, runRequests, type Manifest } from './manifests.js';
import type { RunSpec } from './options.js';

function header(spec: RunSpec): string {
  const ns = `-n ${spec.namespace}`;
  const collect = spec.results
    ? `sqs-blast report ${spec.results} --run-id ${spec.runId} --html report.html`
    : `kubectl logs ${ns} -l ${RUN_ID_LABEL}=${spec.runId} --tail=-1 --max-log-requests ${Math.max(10, 2 * spec.shards)} | sqs-blast report - --html report.html`;
  const need = runRequests(spec);
  const queueFlags = [`--queues ${spec.queues}`, `--queue-prefix ${spec.queuePrefix}`, spec.fifo ? '--fifo' : '', spec.dlq ? '--dlq' : '', `--region ${spec.region}`].filter(Boolean).join(' ');
  return [
    ` sqs-blast run ${spec.runId}: ${spec.shards} send + ${spec.shards} drain pods (Kubernetes >= 1.29).`,
    // A NodePool whose limits are below this leaves pods Pending, and the drains then time out.
    ` Nodes:   the pods request ${fmt(need.cpu)} CPU and ${fmt(need.memoryGi)} GiB at once (a Karpenter NodePool's limits must hold that, plus DaemonSets)`,
    ` Apply:   this output | kubectl apply -f -   (a new run id makes a new run; re-applying is a no-op)`,
    ` Watch:   kubectl get jobs ${ns} -l ${RUN_ID_LABEL}=${spec.runId} -w`,
    ` Collect: ${collect}`,
    spec.results ? ` (Logs are the fallback: kubectl logs ${ns} -l ${RUN_ID_LABEL}=${spec.runId} --tail=-1 | sqs-blast report -)` : '',
    // The queues are the run's own (the default prefix is per run), so they outlive it until deleted.
    ` Then:    sqs-blast queues delete ${queueFlags} --yes`,
  ]
    .filter(Boolean)
    .join('\n');
}

function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function indent(comment: string): string {
  return comment
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');
}

export function renderYaml(spec: RunSpec, manifests: Manifest[] = runManifests(spec)): string {
  const docs = manifests.map((m, i) => {
    const doc = new Document(m.object, { version: '1.1', aliasDuplicateObjects: false });
    const comment = [i === 0 ? header(spec) : '', m.comment ? indent(m.comment) : ''].filter(Boolean).join('\n\n');
    if (comment) doc.commentBefore = comment;
    return doc.toString({ lineWidth: 0 });
  });
  return docs.join('---\n');
}
