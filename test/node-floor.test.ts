/**
 * The Node floor (package.json engines.node, 22.13): an older Node that runs the built CLI gets
 * one line naming the Node to install and exit code 2, never a stack trace; the Node this suite
 * runs on (22 in CI's unit pass, 24 under `npm test`) runs the embedded server (fauxqs 2, which
 * needs node:sqlite) without noise; and `npm test` runs on the Node that package.json pins.
 * A unit test, so that CI's unit pass on Node 22 runs fauxqs 2 on Node 22 at least once.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/errors.js';
import { CLI } from './helpers.js';

const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const floor = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node);

const below = (version: string): boolean => {
  const [major, minor] = version.split('.').map(Number);
  return major < Number(floor![1]) || (major === Number(floor![1]) && minor < Number(floor![2]));
};

/** A Node older than the floor on this machine (the system Node 20 here), if there is one. */
function oldNode(): { path: string; version: string } | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const path of new Set(dirs.filter(Boolean).map((d) => join(d, 'node')))) {
    if (!existsSync(path)) continue;
    try {
      const version = execFileSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      if (below(version)) return { path, version };
    } catch {
      // not a runnable node: try the next
    }
  }
  return undefined;
}

describe('the Node floor', () => {
  it('is one exact floor, >=MAJOR.MINOR, that this suite runs above', () => {
    expect(floor, `engines.node ${pkg.engines.node}`).not.toBeNull();
    expect(below(process.versions.node)).toBe(false);
  });

  const old = oldNode();
  it.runIf(old)(`a Node below it (${old?.path} v${old?.version}) gets one line naming the Node to install, and exit 2`, () => {
    for (const args of [['--version'], ['run', '--local', '--total', '100']]) {
      const r = spawnSync(old!.path, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(EXIT.usage);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `sqs-blast: needs Node.js ${floor![1]}.${floor![2]} or later, this is v${old!.version}: install Node.js 24 LTS, ` +
          `or in a checkout of sqs-blast run it as 'npx sqs-blast' after 'npm ci' (which brings Node 24)\n`,
      );
    }
  });

  it(`this Node (${process.version}) runs a --local load through fauxqs 2 with nothing on stderr but progress`, () => {
    const r = spawnSync(process.execPath, [CLI, 'run', '--local', '--total', '200', '--queues', '1'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/Warning|Error|\n\s+at /);
    expect(r.stdout).toMatch(/^PASS {2}exit 0/m);
    expect(r.status).toBe(EXIT.ok);
  });

  // npm puts node_modules/.bin first on PATH, and the `node` devDependency puts a node there.
  it.runIf(/^test/.test(process.env.npm_lifecycle_event ?? ''))(`npm ${process.env.npm_lifecycle_event} runs on the Node that package.json pins`, () => {
    console.log(`npm ${process.env.npm_lifecycle_event}: ${process.execPath} ${process.version}`);
    expect(process.version).toBe(`v${pkg.devDependencies.node}`);
  });
});
