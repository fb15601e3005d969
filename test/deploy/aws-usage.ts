import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** IAM service prefix of each AWS SDK v3 client package ecs-guard may import. */
export const SDK_PACKAGES: Record<string, string> = {
  '@aws-sdk/client-guardduty': 'guardduty',
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-iam': 'iam',
  '@aws-sdk/client-s3': 's3',
};

/** Operations whose IAM action has another name (the Service Authorization Reference's). */
const ACTION_NAME: Record<string, string> = { 's3:ListObjectsV2': 's3:ListBucket' };

/** Operations that need no IAM permission (AWS: GetCallerIdentity works even under an explicit deny). */
const PERMISSIONLESS = new Set(['sts:GetCallerIdentity']);

export interface AwsUsage {
  /** IAM actions the code needs, e.g. `ecs:StopTask`, with the files that need each. */
  actions: Map<string, Set<string>>;
  /** Things the scan cannot see through (aggregated clients, dynamic imports, unknown SDK packages). */
  problems: string[];
}

/** Every `.ts` file under `dirs` (relative to `root`), skipping excluded path prefixes. */
export function sourceFiles(root: string, dirs: string[], exclude: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      const rel = relative(root, full).split(sep).join('/');
      if (exclude.some((x) => rel === x || rel.startsWith(`${x}/`))) continue;
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(full);
    }
  };
  for (const d of dirs) walk(join(root, d));
  return out.sort();
}

// The clause cannot contain `;` or quotes, so one match never spans two import statements.
const IMPORT_RE = /import\s+(type\s+)?([^;'"]*?)\s+from\s+['"](@aws-sdk\/[\w-]+)['"]/g;
const REEXPORT_RE = /export\s+(?:type\s+)?(?:\*|\{[\s\S]*?\})\s+from\s+['"](@aws-sdk\/client-[\w-]+)['"]/g;
const DYNAMIC_RE = /(?:import|require)\(\s*['"](@aws-sdk\/client-[\w-]+)['"]\s*\)/g;

/** Strips comments so an example in a doc comment is not mistaken for a call. */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** The IAM actions one source file needs, from the SDK commands and paginators it uses. */
export function scanSource(source: string, file = '<source>'): { actions: Set<string>; problems: string[] } {
  const src = stripComments(source);
  const actions = new Set<string>();
  const problems: string[] = [];
  const body = src.replace(IMPORT_RE, '');

  const add = (service: string, op: string) => {
    const action = ACTION_NAME[`${service}:${op}`] ?? `${service}:${op}`;
    if (!PERMISSIONLESS.has(action)) actions.add(action);
    // Setting SourceIdentity on AssumeRole is authorised as its own action.
    if (action === 'sts:AssumeRole' && /\bSourceIdentity\s*:/.test(body))
      actions.add('sts:SetSourceIdentity');
    // PutObject with Object Lock retention headers is also authorised as s3:PutObjectRetention.
    if (action === 's3:PutObject' && /\bObjectLockRetainUntilDate\s*:/.test(body))
      actions.add('s3:PutObjectRetention');
  };
  // Any reference outside the import counts: `new XCommand(…)`, `paginateX(…)`, or the class passed
  // around as a value (a table of commands) — each is a call the policy must permit.
  const used = (local: string) => new RegExp(`(^|[^\\w$.])${local.replace(/\$/g, '\\$')}\\b`).test(body);

  for (const m of src.matchAll(IMPORT_RE)) {
    const typeOnly = Boolean(m[1]);
    const clause = m[2] ?? '';
    const pkg = m[3] ?? '';
    const service = SDK_PACKAGES[pkg];
    if (!pkg.startsWith('@aws-sdk/client-')) continue;
    if (!service) {
      problems.push(`${file}: imports ${pkg}, which no IAM policy covers`);
      continue;
    }
    if (typeOnly) continue;
    const ns = /\*\s+as\s+([\w$]+)/.exec(clause);
    if (ns) {
      const nsName = ns[1] as string;
      for (const c of body.matchAll(new RegExp(`\\b${nsName}\\.(\\w+)Command\\b`, 'g')))
        add(service, c[1] as string);
      for (const c of body.matchAll(new RegExp(`\\b${nsName}\\.paginate(\\w+)\\b`, 'g')))
        add(service, c[1] as string);
      if (new RegExp(`\\b${nsName}\\.(GuardDuty|ECS|STS)\\b(?!Client)`).test(body)) {
        problems.push(
          `${file}: uses the aggregated ${pkg} client; use XxxCommand so the policy test sees it`,
        );
      }
      continue;
    }
    const named = /\{([\s\S]*)\}/.exec(clause)?.[1] ?? '';
    for (const part of named.split(',')) {
      const spec = part.trim();
      if (!spec || spec.startsWith('type ')) continue;
      const [imported, local = imported] = spec.split(/\s+as\s+/).map((s) => s.trim()) as [string, string?];
      const cmd = /^(\w+)Command$/.exec(imported);
      const pag = /^paginate(\w+)$/.exec(imported);
      if (cmd && used(local as string)) add(service, cmd[1] as string);
      else if (pag && used(local as string)) add(service, pag[1] as string);
      else if (/^(GuardDuty|ECS|STS)$/.test(imported)) {
        problems.push(
          `${file}: uses the aggregated ${imported} client; use XxxCommand so the policy test sees it`,
        );
      }
    }
  }
  for (const m of src.matchAll(REEXPORT_RE)) {
    problems.push(`${file}: re-exports from ${m[1]}; import commands where they are used instead`);
  }
  for (const m of src.matchAll(DYNAMIC_RE)) {
    problems.push(`${file}: loads ${m[1]} dynamically, which the policy test cannot see`);
  }
  return { actions, problems };
}

/** The IAM actions the whole code base needs. */
export function scanAwsUsage(root: string, dirs: string[], exclude: string[]): AwsUsage {
  const actions = new Map<string, Set<string>>();
  const problems: string[] = [];
  for (const file of sourceFiles(root, dirs, exclude)) {
    const rel = relative(root, file).split(sep).join('/');
    const r = scanSource(readFileSync(file, 'utf8'), rel);
    problems.push(...r.problems);
    for (const a of r.actions) {
      if (!actions.has(a)) actions.set(a, new Set());
      actions.get(a)?.add(rel);
    }
  }
  return { actions, problems };
}

type PolicyStatement = { Effect?: string; Action?: string | string[]; NotAction?: unknown };

/** Actions an IAM policy document allows (Allow statements only), in a sorted list. */
export function allowedActions(doc: { Statement?: PolicyStatement | PolicyStatement[] }): string[] {
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  const out = new Set<string>();
  for (const s of statements) {
    if (s.Effect !== 'Allow') continue;
    for (const a of Array.isArray(s.Action) ? s.Action : s.Action ? [s.Action] : []) out.add(a);
  }
  return [...out].sort();
}
