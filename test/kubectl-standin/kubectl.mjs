#!/usr/bin/env node
/**
 * The kubectl stand-in's body: plain JavaScript (it runs outside vitest, without TypeScript).
 * It sends {args, stdin} to the fake cluster and prints the answer as kubectl would, with its
 * exit code. stdin is read only for `-f -`, as kubectl reads it.
 */
const url = process.env.FAKE_KUBE_URL;
if (!url) {
  process.stderr.write('kubectl stand-in: FAKE_KUBE_URL is not set (it points at test/k8s.cluster.ts)\n');
  process.exit(1);
}
const args = process.argv.slice(2);
let stdin = '';
const f = args.indexOf('-f');
if (f >= 0 && args[f + 1] === '-') for await (const chunk of process.stdin) stdin += chunk;
try {
  const res = await fetch(`${url}/kubectl`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args, stdin }) });
  const answer = await res.json();
  process.stdout.write(answer.stdout ?? '');
  process.stderr.write(answer.stderr ?? '');
  process.exitCode = answer.code ?? 1;
} catch (e) {
  process.stderr.write(`Unable to connect to the server: ${e.message}\n`);
  process.exitCode = 1;
}
