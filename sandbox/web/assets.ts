/**
 * The page's static files live in `sandbox/web/static/` (HTML, CSS, browser JS). They are
 * found from the package root, reached by walking up from this module, so the same code works
 * from `sandbox/` (tests) and `build/sandbox/` (`npm run sandbox`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** The directory holding the page's files. */
export function staticDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'sandbox', 'web', 'static');
    dir = dirname(dir);
  }
  throw new Error('ecs-guard sandbox: cannot find the package root (package.json) above this file');
}

/** Reads one static file (fresh each time, so editing the page needs no restart). */
export function readStatic(path: string, dir = staticDir()): { body: Buffer; type: string } | undefined {
  const entry = STATIC_FILES[path];
  if (!entry) return undefined;
  return { body: readFileSync(join(dir, entry.file)), type: entry.type };
}
