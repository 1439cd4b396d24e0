/**
 * No Docker engine runs here: check the image recipe statically against the package, then test
 * the packaged artifact itself (npm pack, install into a clean folder, run it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './k8s.contract.js';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));

describe('Dockerfile', () => {
  it('is multi-stage on a Node LTS slim base and ends as a non-root user', () => {
    const froms = lines.filter((l) => l.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/^FROM node:(\d*[02468])-[a-z]+-slim\b/); // even majors are LTS
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const user = final.match(/^USER (\S+)/m)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(final).not.toMatch(/npm (ci|install)(?![^\n]*--omit=dev)/); // no dev dependencies in the final stage
    expect(final).toContain('--from=build /app/node_modules');
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });

  it("has an init for signals and an ENTRYPOINT that is the package's bin", () => {
    const entry = JSON.parse(dockerfile.match(/^ENTRYPOINT (\[.*\])$/m)![1]) as string[];
    expect(entry[0]).toMatch(/tini$/);
    expect(entry).toContain('node');
    expect(entry[entry.length - 1]).toBe(`/app/${pkg.bin['sqs-blast']}`);
    // The image runs node with the same flags as the bin's shebang.
    const shebang = readFileSync(join(ROOT, 'src/cli.ts'), 'utf8').split('\n')[0];
    expect(shebang).toMatch(/^#!\/usr\/bin\/env -S node( --[\w-]+(=\S+)?)*$/);
    expect(entry.slice(entry.indexOf('node') + 1, -1)).toEqual(shebang.split(' ').slice(3));
    expect(dockerfile).toMatch(/apt-get install[^\n]*tini/);
  });

  it('copies only files that exist, and .dockerignore keeps local builds out', () => {
    for (const l of lines.filter((x) => x.startsWith('COPY ') && !x.includes('--from'))) {
      const parts = l.split(/\s+/).slice(1, -1);
      for (const p of parts) expect(existsSync(join(ROOT, p)), p).toBe(true);
    }
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', 'dist', '.git']) expect(ignore).toContain(p);
  });

  it('docker/compose.yaml runs commands the CLI has', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker/compose.yaml'), 'utf8'));
    const commands = Object.values(compose.services as Record<string, { command: string[] }>).map((s) => s.command[0]);
    expect(commands.sort()).toEqual(['local', 'run']);
    expect(compose.services.run.environment.AWS_ENDPOINT_URL_SQS).toBe('http://sqs:4566');
    expect(compose.services.sqs.command).toEqual(['local', '--port', '4566']);
  });
});

describe('the packaged artifact', () => {
  it('npm pack installs into a clean folder and runs a local send', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqs-blast-pack-'));
    const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
    const files = execFileSync('tar', ['-tzf', join(dir, tgz)], { encoding: 'utf8' });
    expect(files).toContain('package/dist/src/cli.js');
    expect(files).toContain('package/dist/workers/send.js');
    expect(files).not.toContain('package/test/');
    execFileSync('npm', ['init', '-y'], { cwd: dir, stdio: 'ignore' });
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, tgz)], { cwd: dir, stdio: 'ignore' });
    const out = execFileSync(join(dir, 'node_modules/.bin/sqs-blast'), ['send', '--local', '--total', '200', '--message-size', '512', '--json', '--quiet'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    expect(JSON.parse(out)).toMatchObject({ kind: 'send', sent: 200, failed: 0 });
  }, 180_000);
});
