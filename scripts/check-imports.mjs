#!/usr/bin/env node
// Fails when an import goes the wrong way between the top-level folders (type-only imports too:
// the rule is about which code knows of which, not only load order):
//   - in src/, only the composition root (src/app.ts) may import commands/;
//   - neither src/ nor commands/ (the production build) may import sandbox/, test/ or bench/.
// Usage: node scripts/check-imports.mjs [root] (default: the working directory).
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { tsFiles } from './ts-files.mjs';

const root = resolve(process.argv[2] ?? '.');
const COMPOSITION_ROOT = 'src/app.ts';
const NOT_IN_PRODUCTION = ['sandbox', 'test', 'bench'];

const files = tsFiles(['src', 'commands'], root);

// Static imports and re-exports (type-only included), side-effect imports, dynamic import().
const importRe =
  /^\s*(?:import|export)\s+[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;
const topOf = (abs) => relative(root, abs).split(sep)[0];

const problems = [];
for (const f of files) {
  const from = relative(root, f).split(sep).join('/');
  const fromTop = from.split('/')[0];
  for (const m of readFileSync(f, 'utf8').matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const to = topOf(resolve(dirname(f), spec));
    if (fromTop === 'src' && to === 'commands' && from !== COMPOSITION_ROOT)
      problems.push(`${from} imports ${spec}: in src/ only ${COMPOSITION_ROOT} may import commands/`);
    if (NOT_IN_PRODUCTION.includes(to))
      problems.push(`${from} imports ${spec}: src/ and commands/ must not import ${to}/`);
  }
}

if (problems.length) {
  for (const p of problems) console.error(`import direction: ${p}`);
  process.exit(1);
}
console.log(`import directions hold in ${files.length} files`);
