/** burst's defaults, apart so the flag table (cli/options.ts) needs nothing of the runner. */
export const BURST_DEFAULTS = { startRate: 1000, stepFactor: 1.5, stepDuration: 10, ceiling: 1_000_000, refineSteps: 3, sloP99: 1000, sloErrors: 1, warmup: 1, stepGap: 5 };
