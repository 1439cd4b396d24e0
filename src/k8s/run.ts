/**
 * `sqs-blast k8s run`: one run on the cluster from one command, the way a user would do it by
 * hand: make the queues, prove the results location takes writes, apply the manifests, watch the
 * run's ledger until every shard has its final result, merge and judge like `sqs-blast report`,
 * remove the queues. Ctrl-C suspends the Jobs (Kubernetes then SIGTERMs their pods, which write
 * their results) and still reports what ran.
 */
import { EXIT, UsageError } from '../errors.js';
import { positiveFlag } from '../config/args.js';
import { lackingText, LedgerReader, ledgerProgress, ledgerState, waitForLedger, WAIT_DEFAULTS, type Expected, type LedgerState } from '../ledger/completeness.js';
import { runReport } from '../report.js';
import { checkWritable } from '../report/sink.js';
import { s3Connection } from '../config/s3-location.js';
import type { ResultStore } from '../report/s3.js';
import { parseThresholds } from '../config/thresholds.js';
import { Kubectl, type PodCounts } from './kubectl.js';
import { jobName, TERMINATION_GRACE_S } from './manifests.js';
import { resolveRunSpec, type RunSpec } from './options.js';
import { createRunQueues, deleteQueueUrls } from './queues.js';
import { renderYaml } from './render.js';

/** After a suspend, how long the pods get to stop and write their results: their grace, plus a margin for S3 and the kubelet. */
const STOP_WAIT_MS = (TERMINATION_GRACE_S + 15) * 1000;

const say = (line: string) => process.stderr.write(`sqs-blast: ${line}\n`);

function podsText(p: PodCounts): string {
  return `pods ${p.Pending} pending, ${p.Running} running, ${p.Succeeded} succeeded, ${p.Failed} failed`;
}

/** k8s run's own flags, checked before anything is created. */
function runFlags(argv: Record<string, unknown>) {
  if (argv.results === undefined || argv.results === '') {
    throw new UsageError('k8s run needs --results s3://BUCKET/PREFIX/: the pods write the run\'s ledger there, and the run waits on it and reports from it');
  }
  if (argv.setup !== undefined && argv.setup !== 'none') {
    throw new UsageError('k8s run creates the queues itself, once, before the apply: drop --setup (its pods run no queue setup)');
  }
  const out = argv.out === undefined ? undefined : String(argv.out);
  const html = argv.html === undefined ? undefined : String(argv.html);
  checkWritable(out);
  checkWritable(html, '--html');
  parseThresholds(argv.threshold);
  const kubectl = argv.kubectl === undefined ? 'kubectl' : String(argv.kubectl);
  if (!kubectl.trim()) throw new UsageError('--kubectl must name the kubectl executable, e.g. --kubectl /usr/local/bin/kubectl');
  return {
    out,
    html,
    kubectl,
    timeoutS: positiveFlag(argv, 'timeout', 'give the seconds to wait for the run, e.g. --timeout 3600') ?? WAIT_DEFAULTS.timeoutS,
    intervalS: positiveFlag(argv, 'pollInterval', 'give the seconds between progress lines, e.g. --poll-interval 5') ?? WAIT_DEFAULTS.pollIntervalS,
    keepQueues: Boolean(argv.keepQueues),
    json: Boolean(argv.json),
    threshold: argv.threshold,
  };
}

export async function runK8sRun(argv: Record<string, unknown>): Promise<void> {
  const flags = runFlags(argv);
  const spec = resolveRunSpec({ ...argv, setup: 'none' });
  const results = spec.results!;
  const kubectl = new Kubectl(flags.kubectl, spec.namespace);
  const queues = { endpoint: spec.endpoint, region: spec.region, queuePrefix: spec.queuePrefix, queues: spec.queues, fifo: spec.fifo, dlq: spec.dlq };

  // a. The queues, once, from here (the manifests then run no setup container).
  const rows = await createRunQueues(queues);
  say(`run ${spec.runId}: queues ${rows.slice(1).map((r) => `${r[0]} (${r[1]})`).join(', ')}`);
  const created = rows.slice(1).filter((r) => r[1] === 'created').map((r) => r[2]);
  const removeQueues = async () => {
    const deleted = await deleteQueueUrls(queues, created);
    say(`run ${spec.runId}: deleted ${deleted.length - 1} queue(s) it created (--keep-queues keeps them)`);
  };
  // b. The results location takes writes from here, before the cluster spends anything on it.
  const { ResultStore: Store } = await import('../report/s3.js');
  const store = await Store.open(results, s3Connection(spec.endpoint, spec.region), '--results').catch(async (e: unknown) => {
    if (!flags.keepQueues) await removeQueues();
    throw e;
  });
  try {
    // c. The run. Nothing ran if the apply failed: the queues made for it go again.
    await kubectl.apply(renderYaml(spec)).catch(async (e: unknown) => {
      if (!flags.keepQueues) await removeQueues();
      throw e;
    });
    say(`run ${spec.runId}: applied ${spec.shards} send + ${spec.shards} drain pods in namespace ${spec.namespace}; results in ${results}${spec.runId}/ (Ctrl-C stops the Jobs and reports what ran)`);
    await watchAndReport(spec, flags, kubectl, store, removeQueues);
  } finally {
    store.close();
  }
}

type Flags = ReturnType<typeof runFlags>;

/**
 * A look that worked once and then fails (a network blip, an API server or S3 hiccup) is a
 * warning, and the last answer stands until the next poll: the run goes on in the cluster either
 * way. The first look failing is the error itself (e.g. no s3:ListBucket on the results).
 */
function tolerant<T>(what: string, look: () => Promise<T>): () => Promise<T> {
  let last: { value: T } | undefined;
  return async () => {
    try {
      last = { value: await look() };
    } catch (e) {
      if (!last) throw e;
      say(`warning: ${what} failed (${(e as Error).message}); the next poll tries again`);
    }
    return last.value;
  };
}

/**
 * Suspend both Jobs (the controller deletes their pods: SIGTERM, then their grace, in which each
 * writes its final result), then wait until no pod of the run is pending or running, or the
 * ledger holds every shard, bounded by the pods' grace.
 */
async function suspendAndWait(jobs: string[], kubectl: Kubectl, poll: () => Promise<LedgerState>, pods: () => Promise<PodCounts>, progress: (pods: PodCounts, s: LedgerState) => void) {
  for (const job of jobs) {
    try {
      await kubectl.suspend(job);
    } catch (e) {
      say(`warning: ${(e as Error).message}`);
    }
  }
  return waitForLedger({
    poll,
    intervalMs: 1000,
    timeoutMs: STOP_WAIT_MS,
    onPoll: async (s) => {
      const now = await pods();
      progress(now, s);
      return now.Pending + now.Running === 0 ? 'every pod stopped' : undefined;
    },
  });
}

async function watchAndReport(spec: RunSpec, flags: Flags, kubectl: Kubectl, store: ResultStore, removeQueues: () => Promise<void>): Promise<void> {
  const jobs = [jobName(spec.runId, 'send'), jobName(spec.runId, 'drain')];
  // The uids of the Jobs just applied: a run id applied before (a Job re-created after its TTL)
  // left objects of another apply, which neither the wait nor the merge may count.
  const uids = (await kubectl.jobs(spec.runId)).filter((j) => jobs.includes(j.name) && j.uid).map((j) => j.uid);
  const reader = new LedgerReader(store, spec.runId, '--results');
  const expected: Expected = { kinds: ['send', 'drain'], shards: spec.shards };
  const poll = tolerant('reading the ledger', async () => ledgerState(await reader.read(), expected, uids));
  const pods = tolerant('kubectl get pods', () => kubectl.pods(spec.runId));
  const states = tolerant('kubectl get jobs', () => kubectl.jobs(spec.runId));
  const started = Date.now();
  const progress = (pods: PodCounts, s: LedgerState) => say(`run ${spec.runId} ${Math.round((Date.now() - started) / 1000)} s: ${podsText(pods)}; ${ledgerProgress(s)}`);

  let signal: NodeJS.Signals | undefined;
  const stop = new AbortController();
  const onSignal = (s: NodeJS.Signals) => {
    if (signal) {
      say(`${s} again: leaving now; the Jobs ${jobs.join(', ')} may still run (sqs-blast k8s delete ${spec.runId} -n ${spec.namespace} removes them)`);
      process.exit(s === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
    }
    signal = s;
    say(`${s}: suspending the Jobs; their pods stop and write their results (up to ${STOP_WAIT_MS / 1000} s), then the report`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // d, e. Progress every few seconds until the ledger holds every shard, or both Jobs ended.
    let outcome = await waitForLedger({
      poll,
      intervalMs: flags.intervalS * 1000,
      timeoutMs: flags.timeoutS * 1000,
      signal: stop.signal,
      onPoll: async (s) => {
        const [now, jobStates] = await Promise.all([pods(), states()]);
        progress(now, s);
        const ours = jobStates.filter((j) => jobs.includes(j.name));
        if (!ours.length) return 'the Jobs are gone';
        return ours.length === jobs.length && ours.every((j) => j.finished) ? `the Jobs ended (${ours.map((j) => `${j.name} ${j.finished}`).join(', ')})` : undefined;
      },
    });
    // g. Ctrl-C / SIGTERM: stop the pods the Kubernetes way and wait for what they write.
    if (signal) outcome = await suspendAndWait(jobs, kubectl, poll, pods, progress);
    // The Jobs ended between a poll and the look at them: what the last pods wrote is there now.
    else if (outcome.reason !== 'complete' && outcome.reason !== 'timeout') outcome = { ...outcome, state: await poll() };
    if (outcome.reason !== 'complete') say(`run ${spec.runId}: ${outcome.reason === 'timeout' ? `--timeout ${flags.timeoutS} s passed` : outcome.reason}; ${ledgerProgress(outcome.state)}`);
    const lacking = outcome.state.lacking.length ? lackingText(outcome.state.lacking) : undefined;
    // f. Merge and judge exactly as `sqs-blast report s3://… --run-id` would.
    await runReport(
      { files: [spec.results], runId: spec.runId, jobUid: uids, out: flags.out, html: flags.html, json: flags.json, threshold: flags.threshold, endpoint: spec.endpoint, region: spec.region },
      { lacking, interrupted: signal === 'SIGINT' || signal === 'SIGTERM' ? signal : undefined },
    );
    // The queues are the run's own: gone with it, unless kept or still in use (a run past --timeout).
    if (outcome.reason === 'timeout') say(`run ${spec.runId}: pods may still run; the queues stay (sqs-blast k8s delete ${spec.runId} -n ${spec.namespace} removes Jobs and queues)`);
    else if (!flags.keepQueues) await removeQueues();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
