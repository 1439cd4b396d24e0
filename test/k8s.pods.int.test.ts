/**
 * A run printed by `sqs-blast k8s manifests`, its pods run as local processes: every container
 * (the queue-setup initContainer, then the load) gets exactly the environment and arguments the
 * kubelet would give it, with one change, the endpoint, pointed at the test server through a
 * proxy per role that records the AWS calls made. The pods write their results to S3 (the
 * server's own S3) and `report s3://…` merges them into one exact report, as do their logs; each
 * role's calls are exactly what its IAM policies in k8s/iam grant.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveRunSpec } from '../src/k8s/options.js';
import { renderYaml } from '../src/k8s/render.js';
import { find, parseDocs, ROOT, type Doc } from './k8s.contract.js';
import { CallRecorder, iamAction, podContainers, runPod, type SimContainer } from './k8s.sim.js';
import { depth, endpoint, runCli, s3Client, sdk } from './helpers.js';

/** The endpoint is the one thing that differs from the cluster: it points at the recorder. */
function processEnv(c: SimContainer, recorder: CallRecorder): Record<string, string> {
  return { ...c.env, AWS_ENDPOINT_URL_SQS: recorder.endpoint, AWS_ENDPOINT_URL_S3: recorder.endpoint };
}

function pod(job: Doc, docs: Doc[], index: number, recorders: { init: CallRecorder; main: CallRecorder }, attempt = 0) {
  const containers = podContainers(job, docs, index, attempt);
  // The image's ENTRYPOINT is the CLI; no container of a generated run replaces it.
  for (const c of containers) expect(c.command, `${c.name} overrides the entrypoint`).toBeUndefined();
  return runPod(containers, (c) => processEnv(c, c.init ? recorders.init : recorders.main));
}

/** Every action the role's policy documents grant, across their statements. */
function policyActions(...files: string[]): string[] {
  const actions = files.flatMap((file) => {
    const doc = JSON.parse(readFileSync(join(ROOT, 'k8s', 'iam', file), 'utf8')) as { Statement: Array<{ Action: string | string[] }> };
    return doc.Statement.flatMap((s) => [s.Action].flat());
  });
  return [...new Set(actions)].sort();
}

const recorded = (r: CallRecorder) => [...new Set([...r.calls].map(iamAction))].sort();

describe('a generated run, its pods as processes with their exact environment', () => {
  const recorders = { setup: new CallRecorder(endpoint()), send: new CallRecorder(endpoint()), drain: new CallRecorder(endpoint()) };
  afterAll(async () => Promise.all(Object.values(recorders).map((r) => r.stop())));

  it('3 send and 3 drain pods create their queues, add up to one exact report, and call only what their policies grant', async () => {
    await Promise.all(Object.values(recorders).map((r) => r.start()));
    const runId = `pods${Date.now().toString(36)}`;
    const prefix = `k8spods-${process.pid}-${Date.now().toString(36)}`;
    const bucket = `k8s-results-${process.pid}-${Date.now().toString(36)}`;
    await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
    const results = `s3://${bucket}/runs/`;
    // A drain pod that starts after its siblings took every message never sees one, and waits out
    // its start timeout (the cluster's 300 s): 20 s here keeps that case inside the test's time.
    const spec = resolveRunSpec({ runId, shards: 3, total: 3000, messageSize: 1024, queues: 2, queuePrefix: prefix, dlq: true, idleTimeout: 3, startTimeout: 20, results });
    const docs = parseDocs(renderYaml(spec));
    const sendJob = find(docs, 'Job', `sqs-blast-${runId}-send`);
    const drainJob = find(docs, 'Job', `sqs-blast-${runId}-drain`);
    const shards = sendJob.spec.completions as number;
    expect(drainJob.spec.completions).toBe(shards);

    // The send pods first, then the drains (the drains' start timeout covers the other order).
    const sends = await Promise.all(Array.from({ length: shards }, (_, i) => pod(sendJob, docs, i, { init: recorders.setup, main: recorders.send })));
    // Index 0 runs again after it finished (a node lost with the pod's status): the new pod reads
    // the shard's earlier attempt from the ledger and has nothing left to send.
    sends.push(await pod(sendJob, docs, 0, { init: recorders.setup, main: recorders.send }, 1));
    expect(sends[3].logs).toMatch(/send shard 0: 1 earlier attempt .* settled seqs below 1000: resuming there/);
    const drains = await Promise.all(Array.from({ length: shards }, (_, i) => pod(drainJob, docs, i, { init: recorders.setup, main: recorders.drain })));
    for (const pod of [...sends, ...drains]) {
      for (const { name, run } of pod.containers) expect(run.code, `${name}: ${run.stderr}`).toBe(0);
      expect(pod.containers.map((c) => c.name)).toEqual(['queues', 'sqs-blast']);
    }

    // The collector's step, after the nodes are gone: every pod's object under the run's prefix.
    const fromS3 = await runCli(['report', results, '--run-id', runId, '--json'], { env: { AWS_ENDPOINT_URL_S3: endpoint() } });
    expect(fromS3.code, fromS3.stderr).toBe(0);
    const merged = JSON.parse(fromS3.stdout);
    expect(merged).toMatchObject({ kind: 'report', parts: 7, planned: 3000, sent: 3000, failed: 0, received: 3000, distinct: 3000, missing: 0, duplicates: 0 });
    expect(merged.runIds).toEqual([runId]);
    expect(merged.integrity).toHaveLength(shards);
    expect(merged.coverage.complete).toBe(true);
    // The fallback, kubectl logs -l sqs-blast/run-id=<id> --tail=-1, agrees exactly.
    const fromLogs = await runCli(['report', '-', '--json'], { input: [...sends, ...drains].map((p) => p.logs).join('') });
    expect(fromLogs.code, fromLogs.stderr).toBe(0);
    const logged = JSON.parse(fromLogs.stdout);
    for (const k of ['sent', 'received', 'distinct', 'missing', 'duplicates', 'integrity', 'histograms'] as const) expect(logged[k], k).toEqual(merged[k]);
    const urls: string[] = merged.queues.map((q: { url: string }) => q.url);
    expect(urls.map((u) => u.split('/').pop())).toEqual([`${prefix}-1`, `${prefix}-2`]);
    for (const u of urls) expect(await depth(sdk(), u)).toBe(0);
    for (const u of urls) expect(await depth(sdk(), `${u}-dlq`)).toBe(0); // the setup made the DLQs

    // Least privilege, measured: each role's policies grant exactly the calls it made.
    expect(policyActions('send-policy.json', 'results-write-policy.json', 'ledger-list-policy.json', 'ledger-resume-policy.json')).toEqual(recorded(recorders.send));
    expect(policyActions('drain-policy.json', 'results-write-policy.json', 'ledger-list-policy.json')).toEqual(recorded(recorders.drain));
    expect(policyActions('queue-setup-policy.json')).toEqual(recorded(recorders.setup));
    // The drain also read the dead-letter queues' depth, under the same QUEUE_PREFIX-* resource.
    expect(recorders.drain.calls).toContain('GetQueueAttributes');
  }, 240_000);
});
