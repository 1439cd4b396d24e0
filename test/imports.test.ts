/**
 * The module graph stays a tree of rooms: no import cycles anywhere (type imports count: a type
 * cycle still ties two rooms together for whoever changes one of them), and src/ never imports
 * workers/ (the protocol both sides speak lives in src/). Read with the TypeScript compiler's own
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
