import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = join(process.cwd(), 'scripts/check-imports.mjs');
const dirs: string[] = [];

/** Runs the checker on a tree of the given files (path → source). */
function check(tree: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'check-imports-'));
  dirs.push(root);
  for (const [p, src] of Object.entries(tree)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), src);
  }
  const r = spawnSync(process.execPath, [script, root], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('scripts/check-imports.mjs', () => {
  it('passes one-way imports: commands/ → src/, and src/app.ts → commands/', () => {
    const r = check({
      'src/app.ts': "import { registerCommands } from '../commands/index.js';\n",
      'src/x.ts': 'export const x = 1;\n',
      'commands/index.ts': "import { x } from '../src/x.js';\n",
    });
    expect(r).toEqual({ status: 0, stderr: '' });
  });

  it('fails when another src/ file imports commands/ (type-only too)', () => {
    const r = check({
      'src/queue/job.ts': "import type { Plan } from '../../commands/plan.js';\n",
      'commands/plan.ts': 'export type Plan = string;\n',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('src/queue/job.ts imports ../../commands/plan.js');
  });

  it('fails when src/ or commands/ imports sandbox/, test/ or bench/', () => {
    const r = check({
      'src/a.ts': "import { emulator } from '../sandbox/aws/emulator.js';\n",
      'src/b.ts': "const h = await import('../test/helpers/wait.js');\n",
      'commands/c.ts': "export { run } from '../bench/run.js';\n",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('src/a.ts imports ../sandbox/aws/emulator.js');
    expect(r.stderr).toContain('src/b.ts imports ../test/helpers/wait.js');
    expect(r.stderr).toContain('commands/c.ts imports ../bench/run.js');
  });
});
