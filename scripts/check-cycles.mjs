#!/usr/bin/env node
// Fails when relative imports between the project's TypeScript files form a cycle.
// Type-only imports are ignored: they vanish at runtime and cannot cause load-order bugs.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { tsFiles } from './ts-files.mjs';

const files = tsFiles(['src', 'commands', 'sandbox', 'bench']);

const importRe =
  /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm;
const graph = new Map();
for (const f of files) {
  const src = readFileSync(f, 'utf8');
  const deps = [];
  for (const m of src.matchAll(importRe)) {
    if (m[2]) continue; // import type
    const spec = m[3] ?? m[4];
    const target = resolve(dirname(f), spec.replace(/\.js$/, '.ts'));
    if (graph.has(target) || files.includes(target)) deps.push(target);
  }
  graph.set(f, deps);
}

const state = new Map(); // 1 = visiting, 2 = done
const stack = [];
const cycles = [];
const visit = (n) => {
  state.set(n, 1);
  stack.push(n);
  for (const d of graph.get(n) ?? []) {
    if (state.get(d) === 1) cycles.push([...stack.slice(stack.indexOf(d)), d]);
    else if (!state.has(d)) visit(d);
  }
  stack.pop();
  state.set(n, 2);
};
for (const f of files) if (!state.has(f)) visit(f);

if (cycles.length) {
  for (const c of cycles)
    console.error(`import cycle: ${c.map((p) => relative(process.cwd(), p)).join(' -> ')}`);
  process.exit(1);
}
console.log(`no import cycles in ${files.length} files`);
