/**
 * What the client itself cost: this process's CPU (all threads; with --local the embedded
 * server's thread too) and peak RSS, per message moved.
 */
import type { Result } from '../result/document.js';

export function clientStats(result: Result, embeddedServer: boolean): NonNullable<Result['client']> {
  const cpu = process.cpuUsage();
  const messages = result.sent + result.received;
  return {
    cpuUserS: cpu.user / 1e6,
    cpuSystemS: cpu.system / 1e6,
    usPerMessage: messages ? Math.round(((cpu.user + cpu.system) / messages) * 10) / 10 : null,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    embeddedServer,
  };
}
