/** The help's epilog: the threshold metrics and the exit codes (the flags themselves are config/flags.ts). */
import { metricTable } from '../config/thresholds.js';

const EXIT_CODES = `Exit codes:
  0    done: nothing failed, nothing missing
  1    finished, but messages failed, went missing, or sit in a dead-letter queue
  2    bad input or configuration (nothing was sent)
  99   a threshold failed
  130  interrupted by SIGINT, 143 by SIGTERM (the report is still printed)

Every flag can be set in the environment as SQS_BLAST_<FLAG>, e.g. SQS_BLAST_TOTAL=50000,
SQS_BLAST_QUEUE_PREFIX=load. AWS_ENDPOINT_URL_SQS, AWS_REGION and the AWS credential chain
(AWS_PROFILE, env keys, IRSA, EKS Pod Identity) are honoured, as are AWS_USE_FIPS_ENDPOINT,
AWS_USE_DUALSTACK_ENDPOINT, a profile's endpoint_url, and HTTPS_PROXY / HTTP_PROXY / NO_PROXY.`;

const THRESHOLD_METRICS = (() => {
  const rows = metricTable();
  const width = Math.max(...rows.map(([m]) => m.length));
  return `Threshold metrics (--threshold METRIC OP VALUE):\n${rows.map(([m, doc]) => `  ${m.padEnd(width)}  ${doc}`).join('\n')}`;
})();
export const EPILOG = `${THRESHOLD_METRICS}\n\n${EXIT_CODES}`;
