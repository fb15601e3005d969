import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REMEDIATIONS } from '../../src/remediations/index.js';
import { scanSource } from '../deploy/aws-usage.js';

// Each remediation declares the IAM actions it needs; the least-privilege policies and the
// "missing permission" messages come from that list. Checked against the SDK commands the code
// sends, from both sides:
//   * every command its own file sends is declared (by a remediation defined in that file), and
//   * every declared action is sent by that file or a module it imports (followed through local
//     value imports): nothing is declared that no code can send.
// The engine's own calls (AssumeRole in src/aws/clients.ts, credentials.ts) are not a remediation's.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = join(ROOT, 'src/remediations');
const ENGINE = new Set(['src/aws/clients.ts', 'src/aws/credentials.ts']);
const LOCAL_IMPORT = /^\s*import\s+(?!type\b)[^;]*?from\s+['"](\.[^'"]+)['"]/gm;

const sentByFile = (file: string) => scanSource(readFileSync(file, 'utf8'), relative(ROOT, file)).actions;

function sentReachable(file: string, seen = new Set<string>()): Set<string> {
  const rel = relative(ROOT, file);
  if (seen.has(rel) || ENGINE.has(rel) || !rel.startsWith('src/')) return new Set();
  seen.add(rel);
  const out = new Set(sentByFile(file));
  for (const m of readFileSync(file, 'utf8').matchAll(LOCAL_IMPORT)) {
    const dep = resolve(dirname(file), (m[1] as string).replace(/\.js$/, '.ts'));
    for (const a of sentReachable(dep, seen)) out.add(a);
  }
  return out;
}

/** The file that defines each remediation (`name: '<name>'` beside `defineRemediation`). */
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'types.ts')
  .map((f) => join(DIR, f));
const fileOf = (name: string) => {
  const found = FILES.filter((f) => {
    const src = readFileSync(f, 'utf8');
    return src.includes('defineRemediation') && new RegExp(`\\bname: '${name}'`).test(src);
  });
  if (found.length !== 1) throw new Error(`expected one file defining ${name}, found ${found.length}`);
  return found[0] as string;
};
const BY_FILE = new Map<string, (typeof REMEDIATIONS)[number][]>();
for (const r of REMEDIATIONS) BY_FILE.set(fileOf(r.name), [...(BY_FILE.get(fileOf(r.name)) ?? []), r]);

describe('remediations declare the IAM actions their code sends', () => {
  it.each([...BY_FILE].map(([f, rs]) => [relative(ROOT, f), rs] as const))(
    '%s: every command the file sends is declared',
    (file, rs) => {
      const declared = new Set(rs.flatMap((r) => [...r.iamActions]));
      const undeclared = [...sentByFile(join(ROOT, file))].filter((a) => !declared.has(a));
      expect(undeclared).toEqual([]);
    },
  );

  it.each(REMEDIATIONS.map((r) => [r.name, r] as const))(
    '%s: declares nothing its code cannot send',
    (name, r) => {
      const reachable = sentReachable(fileOf(name));
      expect(r.iamActions.filter((a) => !reachable.has(a))).toEqual([]);
    },
  );

  it('the check sees a command a file sends and a declared action nothing sends', () => {
    const src = `import { StopTaskCommand } from '@aws-sdk/client-ecs';\nawait ecs.send(new StopTaskCommand({}));`;
    expect([...scanSource(src).actions]).toEqual(['ecs:StopTask']);
    expect(sentReachable(join(ROOT, 'src/remediations/stop-task.ts')).has('iam:PutRolePolicy')).toBe(false);
  });
});
