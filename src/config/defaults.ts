/** Limits SQS sets and the defaults of every flag (kept out of yargs so "was it given?" stays answerable). */
export const LIMITS = {
  maxMessageBytes: 1_048_576,
  maxBatchBytes: 1_048_576,
  minMessageBytes: 256,
  maxQueues: 1000,
} as const;

/** report --wait and k8s run: how long to wait for the ledger (2 h: a long soak), and how often to look. */
export const WAIT_DEFAULTS = { timeoutS: 7200, pollIntervalS: 5 } as const;

/** How long a finished drain's polls may stay open before they are cut (see run/monitor.ts cutWaitingPolls). */
export const FINISH_GRACE_MS = 2000;

export const DEFAULTS = {
  queuePrefix: 'sqs-blast',
  queues: 1,
  total: 100_000,
  batchSize: 10,
  messageSize: 10_240,
  sendConcurrency: 64,
  drainConcurrency: 8,
  maxMessages: 10,
  waitTime: 20,
  runWaitTime: 2,
  maxBacklog: 5_000,
  idleTimeout: 10,
  requestTimeout: 10,
  maxRetries: 5,
  // Seconds a hot-path keep-alive connection lives: SQS moves behind its DNS name, and a socket
  // kept for hours would never see it (the AWS CLI's connections are recycled by urllib3 likewise).
  maxConnectionAge: 60,
  grace: 10,
  giveUpAfter: 30,
  // us-east-1 list prices per million requests (first tier), to override with --price-per-million.
  priceStandard: 0.4,
  priceFifo: 0.5,
  progressInterval: 5,
  depthInterval: 5,
  // One PutObject per pod per interval: 40 pods for an hour is 14,400 PUTs, $0.07 at $0.005 per 1,000.
  checkpointInterval: 10,
  region: 'us-east-1',
} as const;

/** burst's defaults, here with the rest so the flag table (config/flags.ts) needs nothing of the runner. */
export const BURST_DEFAULTS = { startRate: 1000, stepFactor: 1.5, stepDuration: 10, ceiling: 1_000_000, refineSteps: 3, sloP99: 1000, sloErrors: 1, warmup: 1, stepGap: 5, maxGrowth: 3, settleTimeout: 120 };
/**
 * --consumer external's step length and warm-up when not given. SQS's depth attributes are
 * approximate and settle up to a minute after a change (AWS: "may not achieve consistency until
 * at least 1 minute after the producers stop"): a minute of warm-up lets the backlog and the
 * figures settle at the step's rate, and two judged minutes give the slope 120 samples.
 */
export const EXTERNAL_DEFAULTS = { stepDuration: 120, warmup: 60 };
