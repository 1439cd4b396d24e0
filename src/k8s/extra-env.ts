/**
 * --send-env / --drain-env: any other flag of the send or drain pods (--stages, --warmup, size
 * ranges, attributes, --process-time, thresholds …), carried as the SQS_BLAST_<FLAG> variable the
 * pod reads. Each is checked here against the config the pod itself will resolve, so a typo fails
 * in one line before `kubectl apply`, not in twenty pods after it.
 */
import { commandReads, envArgs } from '../config/flags.js';
import { resolveConfig } from '../config.js';
import { UsageError } from '../errors.js';

export type Env = Array<{ name: string; value: string }>;
export type Role = 'send' | 'drain';

const FLAG: Record<Role, string> = { send: '--send-env', drain: '--drain-env' };
const KEY: Record<Role, string> = { send: 'sendEnv', drain: 'drainEnv' };

/** The variables asked for, as NAME=VALUE items of the flag (repeatable). */
export function parseExtraEnv(argv: Record<string, unknown>, role: Role): Env {
  const flag = FLAG[role];
  const raw = argv[KEY[role]];
  const items = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return items.map((item) => {
    const m = /^(SQS_BLAST_[A-Z0-9_]+)=(.*)$/s.exec(String(item));
    if (!m) throw new UsageError(`${flag} ${JSON.stringify(item)} is not SQS_BLAST_<FLAG>=VALUE; e.g. ${flag} SQS_BLAST_STAGES=1m:2000,5m:20000`);
    if (!commandReads(role, m[1])) throw new UsageError(`${flag} ${m[1]} is not a flag of sqs-blast ${role}; see 'sqs-blast ${role} --help' (each flag reads SQS_BLAST_<FLAG>)`);
    return { name: m[1], value: m[2] };
  });
}

/**
 * The pod's whole environment, the generator's own variables (`owned`) first; a variable both set
 * is refused, as the generator's flag for it would be silently overridden. `replaceable` names
 * the generator's defaults the user may replace (a --message-size the user did not give).
 */
export function withExtraEnv(role: Role, owned: Env, extra: Env, replaceable: string[] = []): Env {
  for (const e of extra) {
    if (owned.some((o) => o.name === e.name) && !replaceable.includes(e.name)) {
      throw new UsageError(`${FLAG[role]} ${e.name} is set by k8s manifests itself; use its own flag (see sqs-blast k8s manifests --help)`);
    }
  }
  const env = [...owned.filter((o) => !extra.some((e) => e.name === o.name)), ...extra];
  // Resolved as shard 0 would resolve it: a value the pod would refuse is refused now.
  try {
    const vars = { ...Object.fromEntries(env.map((e) => [e.name, e.value])), JOB_COMPLETION_INDEX: '0' };
    resolveConfig(role, envArgs(role, {}, vars), vars);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${FLAG[role]}: ${e.message}`);
    throw e;
  }
  return env;
}
