/** burst's defaults, apart so the flag table (cli/options.ts) needs nothing of the runner. */
export const BURST_DEFAULTS = { startRate: 1000, stepFactor: 1.5, stepDuration: 10, ceiling: 1_000_000, refineSteps: 3, sloP99: 1000, sloErrors: 1, warmup: 1, stepGap: 5, maxGrowth: 3, settleTimeout: 120 };
/**
 * --consumer external's step length and warm-up when not given. SQS's depth attributes are
 * approximate and settle up to a minute after a change (AWS: "may not achieve consistency until
 * at least 1 minute after the producers stop"): a minute of warm-up lets the backlog and the
 * figures settle at the step's rate, and two judged minutes give the slope 120 samples.
 */
export const EXTERNAL_DEFAULTS = { stepDuration: 120, warmup: 60 };
