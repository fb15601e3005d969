import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `npm test` runs `npm run build` first, so dist/ is what `npm start` and the Docker image run.
const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'dist');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('production build (dist/)', () => {
  it('holds only src/ and commands/: no emulator, test or benchmark code', () => {
    expect(existsSync(join(dist, 'src', 'main.js'))).toBe(true);
    const top = readdirSync(dist).sort();
    expect(top).toEqual(['commands', 'src']);
    const js = filesUnder(dist).filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(50);
    for (const f of js) {
      // No module in the build imports anything outside the build.
      const imports = [...readFileSync(f, 'utf8').matchAll(/from\s+['"](\.{1,2}\/[^'"]+)['"]/g)];
      for (const [, spec] of imports) {
        const target = relative(dist, join(f, '..', spec as string));
        expect(target.startsWith('..'), `${relative(root, f)} imports ${spec}`).toBe(false);
        expect(target).not.toMatch(/^(sandbox|test|bench)\//);
      }
    }
  });
});
