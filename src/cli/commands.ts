/**
 * The command line: commands and their help, nothing else. The flags and their environment
 * variables are in config/flags.ts (the help's epilog in cli/help.ts), what each command does in cli/handlers.ts; validation lives
 * in config.ts. The executable is src/cli.ts, which checks the Node version and then loads this.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { CommandName } from '../config.js';
import { EXIT, UsageError } from '../errors.js';
import { k8sBuilder, runK8s } from '../k8s/command.js';
import { packageVersion } from '../k8s/defaults.js';
import {
  common,
  compareOptions,
  connection,
  drainOptions,
  downstreamOptions,
  localOptions,
  queueAdminOptions,
  queuesTarget,
  reportOptions,
  reportWaitOptions,
  sendOptions,
  topicSendOptions,
  burstOptions,
  observeOptions,
  burstDrainOptions,
  burstRefusedOptions,
  type OptionMap,
} from '../config/flags.js';
import { EPILOG } from './help.js';

import { envArgs } from '../config/flags.js';
export { envArgs };

function loadCommand(y: Argv, options: OptionMap[], examples: Array<[string, string]>): Argv {
  for (const o of options) y = y.options(o);
  for (const [cmd, text] of examples) y = y.example(cmd, text);
  return y.epilog(EPILOG);
}

export interface Handlers {
  load(command: CommandName, argv: Record<string, unknown>): Promise<void>;
  report(argv: Record<string, unknown>): Promise<void>;
  local(argv: Record<string, unknown>): Promise<void>;
  queues?(action: string, argv: Record<string, unknown>): Promise<void>;
  compare?(argv: Record<string, unknown>): Promise<void>;
  k8s?(argv: Record<string, unknown>): Promise<void>;
  burst?(argv: Record<string, unknown>): Promise<void>;
}

/**
 * What the commands do is loaded only when one runs: `--help`, `--version` and a usage error need
 * none of it. Loaded up front, handlers.ts brought ~200 modules (the SDK, piscina, the HDR
 * histograms) into every start, including `--help`'s.
 */
const handlersModule = () => import('./handlers.js');
const runBurstArgs = async (argv: Record<string, unknown>) => (await import('../burst/command.js')).runBurst(envArgs('burst', argv));
const runCompare = async (argv: Record<string, unknown>) => (await handlersModule()).runCompare(argv);
const runQueues = async (action: string, argv: Record<string, unknown>) => (await handlersModule()).runQueues(action, argv);

const RUN: Handlers = {
  load: async (command, argv) => (await handlersModule()).runLoad(command, argv),
  report: async (argv) => (await handlersModule()).runReportCommand(argv),
  local: async (argv) => (await handlersModule()).runLocal(argv),
  queues: runQueues,
  compare: runCompare,
};

interface UsageInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * After starting any command's handler yargs renders its whole help text and keeps it, in case
 * the handler fails and the help should be shown: ~0.1 s of CPU on every run, an eighth of a
 * pod's startup. Our failures are one line without help, so the rendering is switched off.
 */
function skipHelpCache(cli: Argv): Argv {
  const usage = (cli as unknown as UsageInternals).getInternalMethods?.().getUsageInstance?.();
  if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => {};
  return cli;
}

/** The whole command line; tests pass their own handlers to see what a command would get. */
export function buildCli(args: string[], handlers: Handlers = RUN): Argv {
  return skipHelpCache(yargs(args))
    .scriptName('sqs-blast')
    .usage('$0 <command> [options]\n\nLoad-test Amazon SQS (or anything that speaks its API) and tell the truth about it.')
    .command(
      'send',
      'Send messages as fast as allowed (or at --rate) with SendMessageBatch',
      (y) =>
        loadCommand(y, [connection, sendOptions, topicSendOptions, observeOptions, common], [
          ['$0 send --local --total 1000000 --queues 4', 'A million 10 KB messages against the embedded server'],
          ['$0 send --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/load --rate 2000 --duration 60', 'A paced minute against real SQS'],
          ['$0 send --observe --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/orders --rate 500 --duration 300 --warmup 60', 'Five minutes at 500 msg/s: what your consumers of that queue take, and the backlog'],
        ]),
      (argv) => handlers.load('send', argv),
    )
    .command(
      'burst',
      'Find where it breaks: raise the paced send rate step by step until a step fails its SLO, refine, report the highest sustained rate (with --drain: the rate consumers keep up with)',
      (y) =>
        loadCommand(y, [connection, sendOptions, burstOptions, burstDrainOptions, burstRefusedOptions, common], [
          ['$0 burst --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/load --start-rate 2000 --ceiling 60000', 'The rate one queue sustains from this client'],
          ['$0 burst --drain --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/load --drain-workers 2 --process-time 20ms', 'The rate these consumers keep up with'],
          ['$0 burst --consumer external --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/orders --start-rate 500', 'The rate your own consumers of that queue keep up with (steps of 60 + 120 s)'],
          [
            '$0 burst --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/load --shards 4 --shard $I --run-id r1 --start-at 2026-11-27T09:00:00Z --out s3://my-results/burst/',
            'One of 4 pods on one shared ladder (I = 0..3); then: sqs-blast report s3://my-results/burst/ --run-id r1',
          ],
        ]),
      (argv) => (handlers.burst ?? runBurstArgs)(argv),
    )
    .command(
      'drain',
      'Receive and delete until the queues are empty (or --expect / --duration), proving what arrived',
      (y) =>
        loadCommand(y, [connection, drainOptions(false), common], [
          ['$0 drain --queues 4 --queue-prefix load --expect 1000000', 'Drain four queues and prove a million arrived'],
        ]),
      (argv) => handlers.load('drain', argv),
    )
    .command(
      'run',
      'Send and drain at the same time: both sides, end-to-end latency, and the integrity verdict',
      (y) =>
        loadCommand(y, [connection, sendOptions, drainOptions(true), downstreamOptions, common], [
          ['$0 run --local --total 1000000 --queues 4', 'The whole pipeline on this machine, no AWS account needed'],
          ['$0 run --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/orders --downstream orders-out --rate 500 --duration 60', 'Through your service: it reads orders, writes orders-out; latency and integrity end to end'],
        ]),
      (argv) => handlers.load('run', argv),
    )
    .command(
      'report [files..]',
      'Merge results from many processes or pods (JSON files, s3:// locations, or logs with result lines on stdin as -) into one exact report',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, describe: 'Result files from --out, s3://bucket/prefix/, log files, or - for stdin' })
          .options(reportOptions)
          .options(reportWaitOptions)
          .example('kubectl logs -l job-name=sqs-blast-drain --tail=-1 | $0 report -', 'One report for all pods of a Job')
          .example('$0 report send-*.json drain-*.json --out merged.json', 'Merge result files')
          .example('$0 report s3://my-results/sqs-blast/ --run-id k3f9q2ab', 'Merge every result of one run stored with --out s3://')
          .example('$0 report s3://my-results/sqs-blast/ --run-id k3f9q2ab --wait --timeout 3600', 'Wait until every pod of an applied run has its final result, then merge')
          .epilog(EPILOG),
      // yargs drops a lone "-" (stdin) from positionals; put it back where it stood.
      (argv) => handlers.report({ ...argv, files: args.filter((a, i) => a === '-' || (i > 0 && ((argv.files as string[]) ?? []).includes(a))) }),
    )
    .command(
      'compare <base> <new>',
      'Compare two results (files from --out, merged reports, or logs): each figure side by side with its change, better or worse',
      (y) =>
        y
          .positional('base', { type: 'string', describe: 'The reference result' })
          .positional('new', { type: 'string', describe: 'The result to judge against it' })
          .options(compareOptions)
          .example("$0 compare base.json new.json --threshold 'p99<+10%' --threshold 'throughput>-5%'", 'Fail CI on a p99 regression over 10% or a throughput drop over 5%')
          .epilog(EPILOG),
      (argv) => (handlers.compare ?? runCompare)(argv),
    )
    .command(
      'queues <action>',
      'Create (standard, FIFO, with a DLQ), purge, delete, or watch the selected queues',
      (y) => {
        y = y.positional('action', { choices: ['create', 'purge', 'delete', 'stats'] as const, describe: 'what to do' });
        return y
          .options(queuesTarget)
          .options(queueAdminOptions)
          .example('$0 queues create --endpoint http://127.0.0.1:4566 --queues 4 --fifo --dlq', 'load-1.fifo … with DLQs')
          .example('$0 queues stats --queues 4 --watch 5', 'Depth of each queue and its DLQ every 5 s')
          .example('$0 queues delete --queues 4 --dlq --yes', 'Remove them again');
      },
      (argv) => (handlers.queues ?? runQueues)(String(argv.action), argv),
    )
    .command(
      'local',
      'Run the embedded SQS server until Ctrl-C, so separate send and drain processes can share it',
      (y) => y.options(localOptions),
      (argv) => handlers.local(argv),
    )
    .command(
      'k8s <action> [id]',
      'Kubernetes: print the manifests of one run (k8s manifests … | kubectl apply -f -), run one end to end through kubectl (k8s run), or remove one (k8s delete RUN_ID)',
      k8sBuilder,
      (argv) => (handlers.k8s ?? runK8s)(argv),
    )
    .demandCommand(1, 'name a command: send, drain, run, report, compare, queues, local or k8s')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    // Not bare .version(): yargs then reads the package.json above the working directory, which
    // for an installed CLI is the user's project (it printed 1.0.0 from an `npm init -y` folder).
    .version(packageVersion())
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs' own messages can span lines; the contract is one line.
      throw err ?? new UsageError(`${msg.replace(/\s*\n\s*/g, ' ')}; see 'sqs-blast --help'`);
    });
}

export async function main(): Promise<void> {
  // The SDK version is pinned in package-lock.json; its notice about future releases is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    await buildCli(hideBin(process.argv)).parseAsync();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`sqs-blast: ${e.message}\n`);
      process.exitCode = EXIT.usage;
    } else {
      const err = e as Error;
      process.stderr.write(`sqs-blast: ${err.name}: ${err.message}\n`);
      if (process.env.SQS_BLAST_DEBUG) process.stderr.write(`${err.stack}\n`);
      process.exitCode = EXIT.incomplete;
    }
  }
}

