/**
 * No Docker engine runs here: check the image recipe statically against the package, then test
 * the packaged artifact itself (npm pack, install into a clean folder, run it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from './k8s.contract.js';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
const NODE_MAJOR = Number(/^ARG NODE_MAJOR=(\d+)$/m.exec(dockerfile)?.[1]);
const workflow = parse(readFileSync(join(ROOT, '.github/workflows/image.yml'), 'utf8'));
const step = (action: string) => workflow.jobs.image.steps.find((s: { uses?: string }) => s.uses?.startsWith(`${action}@`));

describe('Dockerfile', () => {
  it('is multi-stage on a Node LTS slim base, its major one build argument, and ends as a non-root user', () => {
    const froms = lines.filter((l) => l.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    // One ARG before the first FROM sets the Node major of every stage (the workflow passes CI's).
    expect(NODE_MAJOR % 2, 'even majors are LTS').toBe(0);
    expect(dockerfile.indexOf('ARG NODE_MAJOR=')).toBeLessThan(dockerfile.indexOf('\nFROM '));
    // The major `npm test` runs on (the pinned `node` devDependency), at or above the engines floor.
    expect(Number(pkg.devDependencies.node.split('.')[0])).toBe(NODE_MAJOR);
    expect(NODE_MAJOR).toBeGreaterThanOrEqual(Number(/^>=(\d+)/.exec(pkg.engines.node)?.[1]));
    for (const f of froms) expect(f).toMatch(/^FROM node:\$\{NODE_MAJOR\}-[a-z]+-slim\b/);
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
    // What `npm run build` runs beyond tsc (scripts/bundle.mjs) is in the image before it builds.
    const copied = lines.filter((x) => x.startsWith('COPY ') && !x.includes('--from')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    const buildFiles = [...pkg.scripts.build.matchAll(/\bnode (\S+)/g)].map((m) => m[1]);
    expect(buildFiles.length).toBeGreaterThan(0);
    for (const f of buildFiles) expect(copied.some((c) => f === c || f.startsWith(`${c.replace(/\/$/, '')}/`)), f).toBe(true);
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

describe('the image workflow', () => {
  it('builds linux/amd64 and linux/arm64 on the Dockerfile’s Node major, with OCI labels, and pushes to GHCR', () => {
    const build = step('docker/build-push-action');
    expect(build.with.platforms.split(',').map((p: string) => p.trim()).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(build.with['build-args']).toBe('NODE_MAJOR=${{ env.NODE_MAJOR }}');
    expect(Number(workflow.env.NODE_MAJOR)).toBe(NODE_MAJOR);
    expect(build.with.labels).toBe('${{ steps.meta.outputs.labels }}');
    expect(build.with.tags).toBe('${{ steps.meta.outputs.tags }}');
    expect(build.with.push).toBe("${{ github.event_name != 'pull_request' }}");
    expect(step('docker/setup-qemu-action').with.platforms).toContain('arm64');
    const meta = step('docker/metadata-action');
    expect(meta.id).toBe('meta');
    expect(meta.with.images).toBe('ghcr.io/${{ github.repository_owner }}/sqs-blast');
    // The manifests pull <version>: the tag a v<version> release gets.
    expect(meta.with.tags).toContain('type=semver,pattern={{version}}');
    expect(step('docker/login-action').with.registry).toBe('ghcr.io');
    expect(workflow.permissions).toMatchObject({ packages: 'write', contents: 'read' });
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
  });
});

describe('the packaged artifact', () => {
  let installed: string | undefined;
  /** npm pack, then install the tarball into a clean folder (once for this describe). */
  function install(): string {
    if (installed) return installed;
    const dir = mkdtempSync(join(tmpdir(), 'sqs-blast-pack-'));
    const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
    const files = execFileSync('tar', ['-tzf', join(dir, tgz)], { encoding: 'utf8' });
    expect(files).toContain('package/dist/src/cli.js');
    expect(files).toContain('package/dist/workers/producer.js');
    expect(files).not.toContain('package/test/');
    // Source maps point at src/*.ts, which the package does not carry.
    expect(files).not.toMatch(/\.map$/m);
    expect(files).toContain('package/CHANGELOG.md');
    execFileSync('npm', ['init', '-y'], { cwd: dir, stdio: 'ignore' });
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, tgz)], { cwd: dir, stdio: 'ignore' });
    return (installed = dir);
  }
  const bin = (args: string[]) =>
    execFileSync(join(install(), 'node_modules/.bin/sqs-blast'), args, { cwd: install(), encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } });

  it('npm pack installs into a clean folder and runs a local send', () => {
    const out = bin(['send', '--local', '--total', '200', '--message-size', '512', '--json', '--quiet']);
    expect(JSON.parse(out)).toMatchObject({ kind: 'send', sent: 200, failed: 0 });
  }, 180_000);

  // yargs' bare .version() reads the package.json above the working directory: installed into a
  // project, the CLI printed that project's version (1.0.0 from `npm init -y`).
  it("--version is the package's own, not that of the project it is installed in", () => {
    expect(JSON.parse(readFileSync(join(install(), 'package.json'), 'utf8')).version).not.toBe(pkg.version);
    expect(bin(['--version'])).toBe(`${pkg.version}\n`);
  }, 180_000);

  // The generator renders with the `yaml` package, so it must be a production dependency (today a
  // devDependency: this fails with ERR_MODULE_NOT_FOUND until package.json moves it).
  it('prints k8s manifests from the installed package (yaml is a runtime dependency)', () => {
    expect(Object.keys(pkg.dependencies), 'move yaml from devDependencies to dependencies').toContain('yaml');
    const docs = parseAllDocuments(bin(['k8s', 'manifests', '--run-id', 'pack1', '--shards', '2', '--total', '10'])).map((d) => d.toJSON());
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toContain('Job/sqs-blast-pack1-send');
  }, 180_000);
});
