/**
 * `sqs-blast k8s delete RUN_ID`: remove a run from the cluster (its Jobs, and so their pods) and,
 * unless --keep-queues, its queues and DLQs, as `sqs-blast queues delete --dlq --yes` would. The
 * results in S3 stay: they are the run's record.
 */
import { UsageError } from '../errors.js';
import { Kubectl } from './kubectl.js';
import { resolveRunSpec } from './options.js';
import { deleteRunQueues } from './queues.js';

export async function runK8sDelete(argv: Record<string, unknown>): Promise<void> {
  const id = argv.id ?? argv.runId;
  if (id === undefined || id === '') throw new UsageError('k8s delete needs the run id: sqs-blast k8s delete RUN_ID (the id k8s run or k8s manifests printed)');
  if (argv.id !== undefined && argv.runId !== undefined && argv.id !== argv.runId) throw new UsageError(`k8s delete: RUN_ID ${String(argv.id)} and --run-id ${String(argv.runId)} differ; give one`);
  // The same names and checks as the run had: the id names the Jobs, the prefix the queues.
  const spec = resolveRunSpec({ ...argv, runId: String(id) });
  const kubectl = new Kubectl(argv.kubectl === undefined ? 'kubectl' : String(argv.kubectl), spec.namespace);
  const said = (await kubectl.deleteRun(spec.runId)).trim();
  process.stdout.write(`${said || `no Job of run ${spec.runId} in namespace ${spec.namespace}`}\n`);
  if (argv.keepQueues) return;
  // Without --queues every <prefix>-N there is goes: the run may have had any number.
  const rows = await deleteRunQueues({
    endpoint: spec.endpoint,
    region: spec.region,
    queuePrefix: spec.queuePrefix,
    queues: argv.queues === undefined ? undefined : spec.queues,
    fifo: spec.fifo,
  });
  process.stdout.write(rows.length > 1 ? rows.slice(1).map((r) => `queue ${r[0]} ${r[1]}`).join('\n') + '\n' : `no queue ${spec.queuePrefix}-N left\n`);
}
