// The project's TypeScript files under `roots` (relative to `base`), as absolute paths.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function tsFiles(roots, base = '.') {
  const files = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(resolve(p));
    }
  };
  for (const r of roots) walk(join(base, r));
  return files;
}
