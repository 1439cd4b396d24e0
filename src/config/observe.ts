/** --metrics-port, --metrics-host, --metrics-linger and --dashboard [PORT]: watching a run while it goes. */
import { UsageError } from '../errors.js';
import { describe, intArg, nonNegativeArg, shown, stringArg, type RawArgs } from './args.js';

export interface ObserveOptions {
  /** Serve GET /metrics on this port (0: any free port); undefined: no exporter. */
  metricsPort?: number;
  /** Address the exporter and the dashboard listen on (loopback unless told). */
  host: string;
  /** How long /metrics and the dashboard stay up after the run, so the last scrape sees the end. */
  lingerMs: number;
  /** Serve the live dashboard on this port (0: any free port); undefined: none. */
  dashboardPort?: number;
}

export const OBSERVE_DEFAULTS = { host: '127.0.0.1', lingerS: 15 } as const;

export function resolveObserve(args: RawArgs): ObserveOptions {
  const hint = 'give a TCP port, e.g. 9464 (0: any free port)';
  return {
    metricsPort: intArg(args, 'metricsPort', 0, 65_535, hint),
    host: stringArg(args, 'metricsHost') ?? OBSERVE_DEFAULTS.host,
    lingerMs: (nonNegativeArg(args, 'metricsLinger') ?? OBSERVE_DEFAULTS.lingerS) * 1000,
    dashboardPort: dashboardPort(args.dashboard, hint),
  };
}

/** `--dashboard` alone (or true) picks a free port; `--dashboard 8080` that one. */
function dashboardPort(v: unknown, hint: string): number | undefined {
  if (v === undefined || v === false || v === 'false') return undefined;
  if (v === '' || v === true || v === 'true') return 0;
  const port = Number(v);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`${describe('dashboard')} takes an optional port from 0 to 65535 (got ${shown(v)}); ${hint}`);
  return port;
}
