/**
 * "Rehearse on kind" without kind: k8s/overlays/local rendered by kubectl, its SQS emulator
 * started with the Deployment's own arguments, and its send and drain pods run as processes with
 * exactly their environment (the emulator's address is the one thing changed: a Service name
 * does not resolve here). The wait-for-emulator, queue-setup and load containers all run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { find, render } from './k8s.contract.js';
import { podContainers, runPod, type SimContainer } from './k8s.sim.js';
import { CLI, runCli } from './helpers.js';

/** The emulator Deployment's container as a process, on another port; resolves to its endpoint. */
function startEmulator(args: string[], port = 0): Promise<{ child: ChildProcess; endpoint: string }> {
  const at = args.indexOf('--port');
  const moved = [...args.slice(0, at + 1), String(port), ...args.slice(at + 2)];
  const child = spawn(process.execPath, [CLI, ...moved], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /SQS endpoint (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, endpoint: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`emulator exited ${code}: ${out}`)));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('k8s/overlays/local, as kind would run it', () => {
  let emulator: ChildProcess | undefined;
  let late: ChildProcess | undefined;
  afterAll(() => {
    emulator?.kill('SIGTERM');
    late?.kill('SIGTERM');
  });

  it('holds a pod until the emulator answers (Jobs may start first)', async () => {
    const docs = render('overlays/local');
    const [wait] = podContainers(find(docs, 'Job', /-send$/), docs, 0);
    expect(wait.name).toBe('wait-for-sqs');
    const port = await freePort();
    const started = Date.now();
    const waiting = runPod([{ ...wait, init: false }], (c) => ({ ...c.env, AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${port}` }));
    await new Promise((r) => setTimeout(r, 3000));
    late = (await startEmulator(find(docs, 'Deployment', 'sqs-blast-sqs').spec.template.spec.containers[0].args, port)).child;
    const { containers } = await waiting;
    expect(containers[0].run.code, containers[0].run.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(3000);
  }, 60_000);

  it('the pods wait for the emulator, create their queues, and merge to one exact report', async () => {
    const docs = render('overlays/local');
    const deployment = find(docs, 'Deployment', 'sqs-blast-sqs');
    const started = await startEmulator(deployment.spec.template.spec.containers[0].args);
    emulator = started.child;
    const env = (c: SimContainer) => {
      const e = c.env;
      expect(e.AWS_ENDPOINT_URL_SQS).toMatch(/^http:\/\/sqs-blast-sqs:\d+$/);
      // Each pod has its own address, so all serve /metrics on one port; processes on one host
      // take any free port instead, and need not linger for a Prometheus that is not there.
      expect(e.SQS_BLAST_METRICS_PORT).toBe('9464');
      const metrics = { SQS_BLAST_METRICS_PORT: '0', SQS_BLAST_METRICS_HOST: '127.0.0.1', SQS_BLAST_METRICS_LINGER: '0' };
      // The drains here start after every send has ended, so 3 idle seconds say as much as the
      // cluster's 30 (which covers producers still scheduling).
      expect(e.SQS_BLAST_IDLE_TIMEOUT ?? '30').toBe('30');
      const idle: Record<string, string> = c.name === 'sqs-blast' && e.SQS_BLAST_IDLE_TIMEOUT ? { SQS_BLAST_IDLE_TIMEOUT: '3' } : {};
      return { ...e, AWS_ENDPOINT_URL_SQS: started.endpoint, AWS_ENDPOINT_URL_S3: started.endpoint, ...metrics, ...idle };
    };
    const send = find(docs, 'Job', /-send$/);
    const drain = find(docs, 'Job', /-drain$/);
    const shards = send.spec.completions as number;
    const sends = await Promise.all(Array.from({ length: shards }, (_, i) => runPod(podContainers(send, docs, i), env)));
    const drains = await Promise.all(Array.from({ length: shards }, (_, i) => runPod(podContainers(drain, docs, i), env)));
    for (const pod of [...sends, ...drains]) {
      for (const { name, run } of pod.containers) expect(run.code, `${name}: ${run.stderr}`).toBe(0);
      expect(pod.containers.map((c) => c.name)).toEqual(['wait-for-sqs', 'queues', 'sqs-blast']);
    }
    const total = Number(podContainers(send, docs, 0).find((c) => !c.init)!.env.SQS_BLAST_TOTAL);
    const report = await runCli(['report', '-', '--json'], { input: [...sends, ...drains].map((p) => p.logs).join('') });
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ parts: 2 * shards, sent: total, received: total, distinct: total, missing: 0, duplicates: 0, runIds: ['local1'] });
  }, 240_000);
});
