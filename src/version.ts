import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageJson {
  version: string;
  scripts?: Record<string, string>;
}

/** package.json, found by walking up from this file (works from `src/` and `dist/src/`). */
function packageJson(): PackageJson | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) return JSON.parse(readFileSync(p, 'utf8')) as PackageJson;
    dir = dirname(dir);
  }
  return undefined;
}

export function packageVersion(): string {
  return packageJson()?.version ?? '0.0.0';
}

/**
 * The arguments `npm start` gives node (V8 heap limits, then the entry point), so the benchmarks
 * and end-to-end tests run the bot exactly as production does.
 */
export function startArgs(): string[] {
  const start = packageJson()?.scripts?.start ?? 'node dist/src/main.js';
  return start.split(/\s+/).filter(Boolean).slice(1);
}
