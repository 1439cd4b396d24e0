/**
 * The pod contract, run locally: every process gets exactly the environment the Kubernetes Jobs
 * give their pods (ConfigMap + the Job's env + JOB_COMPLETION_INDEX), prints its result line
 * among other log lines, and `sqs-blast report -` merges the lot from stdin.
 */
import { describe, expect, it } from 'vitest';
import { find, render } from './k8s.contract.js';
import { parseResults } from '../src/report/merge.js';
import { depth, endpoint, runCli, sdk, uniquePrefix } from './helpers.js';

function podEnv(jobName: string, index: number, overrides: Record<string, string>): Record<string, string> {
  const docs = render('base');
  const cm = find(docs, 'ConfigMap', 'sqs-blast').data as Record<string, string>;
  const container = find(docs, 'Job', jobName).spec.template.spec.containers[0];
  const env: Record<string, string> = { ...cm, JOB_COMPLETION_INDEX: String(index) };
  for (const e of container.env ?? []) {
    // The downward API's controller-uid: one value per Job, as the cluster would give it.
    env[e.name] = e.value ?? `${jobName}-uid-0000`;
  }
  return { ...env, ...overrides };
}

describe('scale-out: Indexed Job pods as local processes, merged by report', () => {
  it('20 send pods and 4 drain pods add up to one exact report', async () => {
    const prefix = uniquePrefix('pods');
    const common = {
      AWS_ENDPOINT_URL_SQS: endpoint(),
      SQS_BLAST_QUEUE_PREFIX: prefix,
      SQS_BLAST_CREATE_QUEUES: 'true',
      SQS_BLAST_TOTAL: '4000',
      SQS_BLAST_MESSAGE_SIZE: '1024',
      SQS_BLAST_CONCURRENCY: '4',
    };
    const shards = Number(render('base').find((d) => d.kind === 'ConfigMap')!.data.SQS_BLAST_SHARDS);
    expect(shards).toBe(20);
    const sends = await Promise.all(
      Array.from({ length: shards }, (_, i) => runCli(['send'], { env: podEnv('sqs-blast-send', i, common) })),
    );
    for (const s of sends) expect(s.code, s.stderr).toBe(0);

    const drainEnv = { ...common, SQS_BLAST_WAIT_TIME: '1', SQS_BLAST_IDLE_TIMEOUT: '3', SQS_BLAST_CONCURRENCY: '2' };
    const drains = await Promise.all(Array.from({ length: 4 }, (_, i) => runCli(['drain'], { env: podEnv('sqs-blast-drain', i, drainEnv) })));
    for (const d of drains) expect(d.code, d.stderr).toBe(0); // a drain shard alone does not judge "missing"
    expect(drains[0].stdout).toContain('missing n/a');

    // kubectl logs interleaves pods and mixes in other lines.
    const logs = [...sends, ...drains].map((r) => `[pod] starting\n${r.stderr}${r.stdout}[pod] done\n`).join('');
    const report = await runCli(['report', '-', '--json'], { input: logs });
    expect(report.code, report.stderr).toBe(0);
    const merged = JSON.parse(report.stdout);
    expect(merged).toMatchObject({ kind: 'report', parts: 24, planned: 4000, sent: 4000, failed: 0, received: 4000, distinct: 4000, missing: 0, duplicates: 0, partial: false });
    expect(merged.runIds).toEqual(['sqsblastsen'.slice(0, 8)]); // all send pods share the Job's run id
    expect(merged.integrity).toHaveLength(20);
    expect(merged.latency.count).toBe(400);
    expect(merged.e2eLatency.count).toBe(4000);
    expect(report.stderr).toContain('24 results merged');
    const urls = merged.queues.map((q: { url: string }) => q.url);
    expect(urls).toHaveLength(4);
    for (const u of urls) expect(await depth(sdk(), u)).toBe(0);

    // Leave one drain pod's log out (the busiest: a fast pod can drain everything before another
    // starts): its messages are now missing from the merged view.
    const receivedBy = drains.map((d) => parseResults(d.stdout, 'drain pod')[0].received);
    const left = receivedBy.indexOf(Math.max(...receivedBy));
    const lost = receivedBy[left];
    expect(lost).toBeGreaterThan(0);
    const partialLogs = [...sends, ...drains.filter((_, i) => i !== left)].map((r) => r.stdout).join('\n');
    const partial = await runCli(['report', '-', '--json'], { input: partialLogs });
    expect(partial.code).toBe(1);
    expect(JSON.parse(partial.stdout).missing).toBe(lost);
  });

  it('rejects input with no result, and a cut result line, with exit 2', async () => {
    const none = await runCli(['report', '-'], { input: 'just some log line\n' });
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toMatch(/^sqs-blast: report: stdin holds no sqs-blast result/);
    const cut = await runCli(['report', '-'], { input: 'SQS_BLAST_RESULT {"schema":"sqs-blast/res\n' });
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/cut or corrupt/);
    const missingFile = await runCli(['report', '/nonexistent/r.json']);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toMatch(/cannot read \/nonexistent\/r\.json/);
  });
});
