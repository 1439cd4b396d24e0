/**
 * The pod contract, run locally: every process gets exactly the environment the Kubernetes Jobs
 * give their pods (ConfigMap + the Job's env + JOB_COMPLETION_INDEX), prints its result line
 * among other log lines, and `sqs-blast report -` merges the lot from stdin.
 */
import { describe, expect, it } from 'vitest';
import { find, render } from './k8s.contract.js';
import { podContainers } from './k8s.sim.js';
import { parseResults } from '../src/report/merge.js';
import { depth, endpoint, runCli, sdk, uniquePrefix } from './helpers.js';

/** The load container's environment in pod `index` of k8s/base's Job for `role`, plus overrides. */
function podEnv(role: 'send' | 'drain', index: number, overrides: Record<string, string>): Record<string, string> {
  const docs = render('base');
  const job = find(docs, 'Job', new RegExp(`-${role}$`));
  const main = podContainers(job, docs, index).find((c) => !c.init)!;
  return { ...main.env, ...overrides };
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
      // Pods have an IP each; 24 processes on one host take any free metrics port, and do not
      // linger for a scrape that no Prometheus here will make.
      SQS_BLAST_METRICS_PORT: '0',
      SQS_BLAST_METRICS_HOST: '127.0.0.1',
      SQS_BLAST_METRICS_LINGER: '0',
    };
    const shards = find(render('base'), 'Job', /-send$/).spec.completions as number;
    expect(shards).toBe(20);
    const sends = await Promise.all(
      Array.from({ length: shards }, (_, i) => runCli(['send'], { env: podEnv('send', i, common) })),
    );
    for (const s of sends) expect(s.code, s.stderr).toBe(0);

    // A drain pod that starts after its siblings emptied the queues cannot tell a finished run
    // from one not begun: it waits out its start timeout (300 s in the Job), shortened here.
    const drainEnv = { ...common, SQS_BLAST_WAIT_TIME: '1', SQS_BLAST_IDLE_TIMEOUT: '3', SQS_BLAST_START_TIMEOUT: '10', SQS_BLAST_CONCURRENCY: '2' };
    const drains = await Promise.all(Array.from({ length: 4 }, (_, i) => runCli(['drain'], { env: podEnv('drain', i, drainEnv) })));
    for (const d of drains) expect(d.code, d.stderr).toBe(0); // a drain shard alone does not judge "missing"
    expect(drains[0].stdout).toContain('missing n/a');

    // kubectl logs interleaves pods and mixes in other lines.
    const logs = [...sends, ...drains].map((r) => `[pod] starting\n${r.stderr}${r.stdout}[pod] done\n`).join('');
    const report = await runCli(['report', '-', '--json'], { input: logs });
    expect(report.code, report.stderr).toBe(0);
    const merged = JSON.parse(report.stdout);
    expect(merged).toMatchObject({ kind: 'report', parts: 24, planned: 4000, sent: 4000, failed: 0, received: 4000, distinct: 4000, missing: 0, duplicates: 0, partial: false });
    expect(merged.runIds).toEqual([podEnv('send', 0, {}).SQS_BLAST_RUN_ID]); // send and drain pods share run.yaml's run id
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
