/**
 * k8s/iam: the policy and trust documents parse, name only the placeholders the README explains,
 * grant no wildcard action, and trust exactly the ServiceAccounts the manifests use. (Which SQS
 * actions each role needs is measured in test/k8s.pods.int.test.ts.)
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICE_ACCOUNTS } from '../src/k8s/manifests.js';
import { find, render, ROOT } from './k8s.contract.js';

const DIR = join(ROOT, 'k8s', 'iam');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const doc = (f: string) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as { Version: string; Statement: Array<Record<string, any>> };
const actions = (f: string) => doc(f).Statement.flatMap((s) => [s.Action].flat() as string[]);
const readme = readFileSync(join(DIR, 'README.md'), 'utf8');

describe('k8s/iam', () => {
  it('holds a permission policy for every role and a trust per role and identity kind', () => {
    expect(files.sort()).toEqual(
      [
        'send-policy.json',
        'drain-policy.json',
        'queue-setup-policy.json',
        'keda-policy.json',
        'results-write-policy.json',
        'results-read-policy.json',
        'ledger-list-policy.json',
        'ledger-resume-policy.json',
        ...['send', 'drain', 'keda'].flatMap((r) => [`trust-irsa-${r}.json`, `trust-pod-identity-${r}.json`]),
      ].sort(),
    );
    for (const f of files) {
      expect(doc(f).Version, f).toBe('2012-10-17');
      for (const s of doc(f).Statement) expect(s.Effect, f).toBe('Allow');
      // Every file is named in the README's role table.
      expect(readme, f).toContain(`\`${f}\``);
    }
  });

  it('grants named actions only, on the run’s queues and results prefix', () => {
    for (const f of files) {
      for (const a of actions(f)) expect(a, f).toMatch(/^(sqs|s3|sts):[A-Za-z]+$/);
    }
    for (const f of files.filter((x) => x.endsWith('-policy.json'))) {
      for (const s of doc(f).Statement) {
        for (const r of [s.Resource].flat() as string[]) {
          expect(r, f).toMatch(/^arn:aws:(sqs:REGION:ACCOUNT_ID:QUEUE_PREFIX-\*|s3:::RESULTS_BUCKET(\/RESULTS_PREFIX\/\*)?)$/);
        }
      }
    }
    expect(actions('keda-policy.json')).toEqual(['sqs:GetQueueAttributes']);
    // Pods prove the location writable with a PutObject probe and write their own result: no listing.
    expect(actions('results-write-policy.json')).toEqual(['s3:PutObject']);
    expect(actions('results-read-policy.json').sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    const list = doc('results-read-policy.json').Statement.find((s) => s.Action.includes('s3:ListBucket'))!;
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['RESULTS_PREFIX/*'] } });
    // The ledger: pods list their run's prefix only, and a retried send reads earlier attempts.
    expect(actions('ledger-list-policy.json')).toEqual(['s3:ListBucket']);
    expect(doc('ledger-list-policy.json').Statement[0].Condition).toEqual({ StringLike: { 's3:prefix': ['RESULTS_PREFIX/*'] } });
    expect(actions('ledger-resume-policy.json')).toEqual(['s3:GetObject']);
    // Producers cannot consume and consumers cannot produce.
    expect(actions('send-policy.json')).not.toContain('sqs:ReceiveMessage');
    expect(actions('drain-policy.json')).not.toContain('sqs:SendMessage');
  });

  it('trusts exactly the ServiceAccounts the manifests run as (IRSA and EKS Pod Identity)', () => {
    const base = render('base');
    for (const [role, sa] of Object.entries(SERVICE_ACCOUNTS)) {
      find(base, 'ServiceAccount', sa);
      const irsa = doc(`trust-irsa-${role}.json`).Statement[0];
      expect(irsa.Action).toBe('sts:AssumeRoleWithWebIdentity');
      expect(irsa.Principal).toEqual({ Federated: 'arn:aws:iam::ACCOUNT_ID:oidc-provider/OIDC_PROVIDER' });
      expect(irsa.Condition.StringEquals).toEqual({ 'OIDC_PROVIDER:sub': `system:serviceaccount:NAMESPACE:${sa}`, 'OIDC_PROVIDER:aud': 'sts.amazonaws.com' });
      const pod = doc(`trust-pod-identity-${role}.json`).Statement[0];
      expect(pod.Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
      expect([pod.Action].flat().sort()).toEqual(['sts:AssumeRole', 'sts:TagSession']);
      expect(pod.Condition.StringEquals).toMatchObject({ 'aws:RequestTag/kubernetes-namespace': 'NAMESPACE', 'aws:RequestTag/kubernetes-service-account': sa });
    }
    expect(doc('trust-irsa-keda.json').Statement[0].Condition.StringEquals['OIDC_PROVIDER:sub']).toBe('system:serviceaccount:keda:keda-operator');
  });

  it('uses one set of placeholders, each explained in the README', () => {
    const used = new Set(files.flatMap((f) => readFileSync(join(DIR, f), 'utf8').match(/\b[A-Z][A-Z0-9_]{3,}\b/g) ?? []));
    expect([...used].sort()).toEqual(['ACCOUNT_ID', 'CLUSTER_NAME', 'NAMESPACE', 'OIDC_PROVIDER', 'QUEUE_PREFIX', 'REGION', 'RESULTS_BUCKET', 'RESULTS_PREFIX']);
    for (const p of used) expect(readme, p).toContain(`| \`${p}\``);
  });
});
