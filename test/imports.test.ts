/**
 * The module graph stays a tree of rooms: no import cycles anywhere (type imports count: a type
 * cycle still ties two rooms together for whoever changes one of them), and src/ never imports
 * workers/ (the protocol both sides speak lives in src/), and src/'s rooms stand on floors (FLOORS):
 * an import never climbs from a lower floor to a higher one. Read with the TypeScript compiler's own
 * parser, so every form of import is seen: `import type`, `export … from`, `import()`, `import('x').T`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCANNED = ['src', 'workers', 'test'];

/** Every module specifier a source file names, whatever the form of the import. */
export function specifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      found.push(node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Repo-relative file -> the repo-relative files it imports (relative specifiers only: packages are leaves). */
function importGraph(): Map<string, string[]> {
  const files = SCANNED.flatMap((d) => sourceFiles(join(ROOT, d)));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = specifiers(file, readFileSync(file, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts'))
      .filter((t) => known.has(t));
    graph.set(relative(ROOT, file), [...new Set(targets)].map((t) => relative(ROOT, t)));
  }
  return graph;
}

/** Strongly connected components with more than one module (or a module importing itself): the cycles. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return found;
}

/** What a module loads as it is evaluated: static imports that survive compilation (no type-only ones, no import()). */
export function loadedAtOnce(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const onlyTypes =
        clause !== undefined &&
        (clause.isTypeOnly || (!clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
      if (!onlyTypes) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
      found.push(node.moduleSpecifier.text);
    }
  }
  return found;
}

/** The packages a file loads at once, through every relative module it loads at once. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const s of loadedAtOnce(file, readFileSync(file, 'utf8'))) {
      if (s.startsWith('.')) visit(resolve(dirname(file), s).replace(/\.js$/, '.ts'));
      else packages.add(s);
    }
  };
  visit(join(ROOT, entry));
  return packages;
}

/**
 * The floors: a room imports its own floor or the ones below, never one above. The CLI on top;
 * the commands; the run machinery they drive; what a result becomes (reporting, the run's
 * ledger); the result documents; the libraries everything stands on. Rooms on one floor may use
 * each other (the cycle test above keeps that a tree). Every src module is in exactly one room
 * here: a new room takes a floor when it is made.
 */
export const FLOORS: Record<string, number> = {
  'src/cli.ts': 5,
  'src/cli/': 5,
  'src/report.ts': 4,
  'src/burst/': 4,
  'src/k8s/': 4,
  'src/admin.ts': 4,
  'src/runner.ts': 3,
  'src/run/': 3,
  'src/observe/': 3,
  'src/producers.ts': 3,
  'src/consumers.ts': 3,
  'src/local.ts': 3,
  'src/progress.ts': 3,
  'src/report/': 2,
  'src/ledger/': 2,
  'src/result/': 1,
  'src/config.ts': 0,
  'src/config/': 0,
  'src/sqs/': 0,
  'src/sns/': 0,
  'src/metrics/': 0,
  'src/load/': 0,
  'src/workload/': 0,
  'src/worker-kit/': 0,
  'src/protocol.ts': 0,
  'src/errors.ts': 0,
  'src/endpoint.ts': 0,
  'src/payload.ts': 0,
  'src/shard.ts': 0,
  'src/proxy-agents.ts': 0,
  'src/proxy-env.ts': 0,
  'src/wrapped-head.ts': 0,
};

/** The room a module is in: the longest key of the table that is the file or a folder holding it. */
export function roomOf(file: string, floors: Record<string, number> = FLOORS): string | undefined {
  return Object.keys(floors)
    .filter((room) => file === room || (room.endsWith('/') && file.startsWith(room)))
    .sort((a, b) => b.length - a.length)[0];
}

/** Every import from a room to a room on a higher floor, named "from -> to (floor a -> b)". */
export function upwardImports(graph: Map<string, string[]>, floors: Record<string, number> = FLOORS): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    const a = roomOf(from, floors);
    if (a === undefined) continue;
    for (const to of targets) {
      const b = roomOf(to, floors);
      if (b !== undefined && floors[b] > floors[a]) found.push(`${from} -> ${to} (floor ${floors[a]} -> ${floors[b]})`);
    }
  }
  return found.sort();
}

describe('module graph', () => {
  it('sees every form of import, type-only ones included', () => {
    const text = [
      "import type { A } from './a.js';",
      "import { type B } from './b.js';",
      "export { C } from './c.js';",
      "export type { D } from './d.js';",
      "const e = await import('./e.js');",
      "let f: import('./f.js').F;",
      "import g = require('./g.js');",
    ].join('\n');
    expect(specifiers('x.ts', text)).toEqual(['./a.js', './b.js', './c.js', './d.js', './e.js', './f.js', './g.js']);
  });

  it('finds a cycle of any length, and none in a tree', () => {
    const cyclic = new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []], ['e', ['e']]]);
    expect(cycles(cyclic)).toEqual([['a', 'b', 'c'], ['e']]);
    expect(cycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });

  it('has no import cycles in src, workers or test', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(40);
    expect(cycles(graph)).toEqual([]);
  });

  it('names an import that climbs a floor, and lets one down or across pass', () => {
    const floors = { 'src/top/': 2, 'src/mid.ts': 1, 'src/low/': 0, 'src/low/up/': 2 };
    const graph = new Map([
      ['src/top/a.ts', ['src/mid.ts', 'src/low/b.ts']],
      ['src/mid.ts', ['src/low/b.ts', 'src/top/a.ts']],
      ['src/low/b.ts', ['src/low/c.ts', 'src/low/up/d.ts']],
    ]);
    expect(roomOf('src/low/up/d.ts', floors)).toBe('src/low/up/');
    expect(upwardImports(graph, floors)).toEqual(['src/low/b.ts -> src/low/up/d.ts (floor 0 -> 2)', 'src/mid.ts -> src/top/a.ts (floor 1 -> 2)']);
  });

  it('every src module is in a room of the floor table', () => {
    const unplaced = [...importGraph().keys()].filter((f) => f.startsWith('src/') && roomOf(f) === undefined);
    expect(unplaced).toEqual([]);
  });

  it('no room imports a room on a floor above it (types included)', () => {
    const graph = new Map([...importGraph()].filter(([from]) => from.startsWith('src/')));
    expect(upwardImports(graph)).toEqual([]);
  });

  it('src never imports workers (types included): the worker protocol lives in src', () => {
    const graph = importGraph();
    const crossing = [...graph].flatMap(([from, to]) => (from.startsWith('src/') ? to.filter((t) => t.startsWith('workers/')).map((t) => `${from} -> ${t}`) : []));
    expect(crossing).toEqual([]);
  });

  it('a worker loads the AWS SDK only when --client sdk asks for it (import()): the lean default does not pay its ~250 ms per thread', () => {
    expect(loadedAtOnce('x.ts', "import type { A } from 'a';\nimport { type B } from 'b';\nimport { C } from 'c';\nconst d = await import('d');\nexport * from 'e';")).toEqual(['c', 'e']);
    for (const worker of ['workers/producer.ts', 'workers/consumer.ts']) {
      const sdkPackages = [...packagesLoadedBy(worker)].filter((p) => /^@aws-sdk\/|^@smithy\//.test(p));
      expect(sdkPackages, worker).toEqual([]);
    }
  });
});
