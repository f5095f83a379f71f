import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/server.js';

const SRC = path.join(ROOT, 'src');
const files = fs
  .readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => fs.statSync(path.join(SRC, f)).isFile())
  .sort();

/** src-relative module -> the src-relative modules it imports (values and types alike). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files.filter((f) => f.endsWith('.ts'))) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(path.join(SRC, file), 'utf8'), true, false);
    graph.set(
      file,
      importedFiles
        .map((i) => i.fileName)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => path.normalize(path.join(path.dirname(file), spec)).replace(/\.js$/, '.ts')),
    );
  }
  return graph;
}

describe('the import graph', () => {
  const graph = importGraph();

  it('has no cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]) => {
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...trail.slice(trail.indexOf(next)), file, next].join(' -> '));
        else if (!state.has(next)) visit(next, [...trail, file]);
      }
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('flows one way: nothing under auth/ imports the context, nothing but start imports the server', () => {
    const importers = (target: string) => [...graph].filter(([, deps]) => deps.includes(target)).map(([f]) => f);
    expect(importers('context.ts').filter((f) => f.startsWith('auth/'))).toEqual([]);
    expect(importers('server.ts')).toEqual(['start.ts']);
    expect(importers('start.ts')).toEqual(['main.ts']);
    expect(importers('main.ts')).toEqual([]);
    // The bottom layer imports nothing of the layers above it.
    for (const base of ['config.ts', 'errors.ts', 'logger.ts'])
      expect(
        graph.get(base)!.filter((d) => !d.startsWith('settings/') && d !== 'config.ts'),
        base,
      ).toEqual([]);
  });
});

describe('README Layout', () => {
  it('lists every file of src/', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
    const missing = files.filter((f) => !new RegExp(`^\\s+${f.replace(/[.]/g, '\\.')}\\s`, 'm').test(layout));
    expect(missing).toEqual([]);
  });
});
