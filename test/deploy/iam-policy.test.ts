import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allowedActions, scanAwsUsage, scanSource } from './aws-usage.js';
import { policyDocuments, readCfn } from './cfn-yaml.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// The sandbox is the AWS emulator (it serves the API, it does not call it); bench drives tests.
const usage = scanAwsUsage(root, ['src', 'commands'], ['sandbox', 'bench']);
const used = [...usage.actions.keys()].sort();
const whoUses = (actions: string[]) =>
  actions.map((a) => `${a} (${[...(usage.actions.get(a) ?? [])].join(', ') || 'unused'})`);

const botPolicy = JSON.parse(readFileSync(`${root}deploy/iam-policy.json`, 'utf8'));
const memberTemplate = readCfn(`${root}deploy/member-role.cfn.yml`);
const memberRole = memberTemplate.Resources?.ResponderRole;
const memberAllowed = [
  ...new Set(policyDocuments(memberRole?.Properties).flatMap((d) => allowedActions(d as object))),
].sort();

describe('scanSource (how the policy test reads the code)', () => {
  it('maps commands, aliases and paginators to IAM actions', () => {
    const src = `
      import { logger } from './log.js';
      import {
        StopTaskCommand,
        DescribeTasksCommand as Describe,
        paginateListClusters,
        type TagResourceCommandInput,
      } from '@aws-sdk/client-ecs';
      import { GetFindingsCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
      import type { ArchiveFindingsCommand } from '@aws-sdk/client-guardduty';
      await ecs.send(new StopTaskCommand({ task }));
      await ecs.send(new Describe({ tasks }));
      for await (const p of paginateListClusters({ client }, {})) {}
      const gd = new GuardDutyClient({}); await gd.send(new GetFindingsCommand({}));
    `;
    const r = scanSource(src);
    expect([...r.actions].sort()).toEqual([
      'ecs:DescribeTasks',
      'ecs:ListClusters',
      'ecs:StopTask',
      'guardduty:GetFindings',
    ]);
    expect(r.problems).toEqual([]);
  });

  it('ignores imports that are never used and examples in comments', () => {
    const src = `
      import { StopTaskCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
      // await ecs.send(new ListTasksCommand({}))
      /** e.g. new ListTasksCommand({ cluster }) */
      await ecs.send(new StopTaskCommand({ task }));
    `;
    expect([...scanSource(src).actions]).toEqual(['ecs:StopTask']);
  });

  it('needs no permission for GetCallerIdentity and adds SetSourceIdentity when AssumeRole sets it', () => {
    const plain = `import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
      await sts.send(new GetCallerIdentityCommand({}));
      await sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName, ExternalId }));`;
    expect([...scanSource(plain).actions]).toEqual(['sts:AssumeRole']);
    const withIdentity = plain.replace('ExternalId }', 'ExternalId, SourceIdentity: user }');
    expect([...scanSource(withIdentity).actions].sort()).toEqual(['sts:AssumeRole', 'sts:SetSourceIdentity']);
  });

  it('reads namespace imports', () => {
    const src = `import * as gd from '@aws-sdk/client-guardduty';
      await c.send(new gd.ArchiveFindingsCommand({})); for await (const p of gd.paginateListCoverage({client}, {})) {}`;
    expect([...scanSource(src).actions].sort()).toEqual([
      'guardduty:ArchiveFindings',
      'guardduty:ListCoverage',
    ]);
  });

  it('reports what it cannot see through', () => {
    const src = `import { ECS } from '@aws-sdk/client-ecs';
      import { SQSClient } from '@aws-sdk/client-sqs';
      const m = await import('@aws-sdk/client-guardduty');
      await new ECS({}).stopTask({ task });`;
    const problems = scanSource(src, 'x.ts').problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/aggregated ECS client/);
    expect(problems.join('\n')).toMatch(/client-sqs/);
    expect(problems.join('\n')).toMatch(/dynamically/);
  });
});

describe('the code base', () => {
  it('uses the AWS SDK only in ways the policy test can see', () => {
    expect(usage.problems).toEqual([]);
  });
});

describe('deploy/iam-policy.json (the bot role)', () => {
  it('is a well-formed identity policy with explicit actions only', () => {
    expect(botPolicy.Version).toBe('2012-10-17');
    expect(Array.isArray(botPolicy.Statement)).toBe(true);
    const sids = new Set<string>();
    for (const s of botPolicy.Statement) {
      // Deny only as a guard on named resources (ecs-guard never edits its own role's policies).
      expect(['Allow', 'Deny']).toContain(s.Effect);
      if (s.Effect === 'Deny') expect([s.Resource].flat()).not.toContain('*');
      expect(s.NotAction).toBeUndefined();
      expect(s.NotResource).toBeUndefined();
      expect(s.Resource).toBeDefined();
      expect(s.Principal).toBeUndefined();
      expect(sids.has(s.Sid)).toBe(false);
      sids.add(s.Sid);
      for (const a of [s.Action].flat()) expect(a).toMatch(/^(guardduty|ecs|sts|iam|s3):[A-Z][A-Za-z]+$/);
    }
  });

  it('allows every AWS action the code calls', () => {
    const missing = used.filter((a) => !allowedActions(botPolicy).includes(a));
    expect(whoUses(missing), 'used by the code but not allowed').toEqual([]);
  });

  it('allows no action the code never calls', () => {
    const extra = allowedActions(botPolicy).filter((a) => !usage.actions.has(a));
    expect(extra, 'allowed but never called (least privilege)').toEqual([]);
  });

  it('writes the audit export only under its own key prefix, Object Lock retention included, home account only', () => {
    const s3 = botPolicy.Statement.filter((s: { Action: string[] }) =>
      [s.Action].flat().some((a) => a.startsWith('s3:')),
    );
    expect(s3).toHaveLength(2);
    expect([s3[0].Action].flat().sort()).toEqual(['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention']);
    expect([s3[0].Resource].flat()).toEqual(['arn:aws:s3:::*/ecs-guard-audit/*']);
    // Listing (to find the newest export) only under the same prefix.
    expect(s3[1].Action).toEqual(['s3:ListBucket']);
    expect(s3[1].Condition).toEqual({ StringLike: { 's3:prefix': ['ecs-guard-audit/*'] } });
    // The S3 client is only ever made for the home account: `aws.s3({ region })`.
    const app = readFileSync(`${root}src/app.ts`, 'utf8');
    const calls = [...app.matchAll(/\baws\.s3\(([^)]*)\)/g)];
    expect(calls.length).toBeGreaterThan(0);
    for (const m of calls) expect(m[1]).toMatch(/^\{\s*region(:[^,}]*)?\s*\}$/);
  });

  it('may assume only the member responder role, and only inside the organisation', () => {
    const sts = botPolicy.Statement.filter((s: { Action: string[] }) =>
      [s.Action].flat().some((a) => a.startsWith('sts:')),
    );
    expect(sts.length).toBeGreaterThan(0);
    for (const s of sts) {
      expect([s.Resource].flat()).toEqual(['arn:aws:iam::*:role/EcsGuardResponder']);
      // The role's account must be in the bot's own organisation: a typed-in outside account
      // (or a confused deputy) cannot make the bot assume a role there.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not JS
      expect(s.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } });
    }
    const tagging = botPolicy.Statement.find((s: { Action: string[] }) =>
      [s.Action].flat().includes('ecs:TagResource'),
    );
    if (tagging) {
      expect(tagging.Condition['ForAllValues:StringEquals']['aws:TagKeys']).toEqual(['GuardDutyManaged']);
    }
  });
});

/**
 * GuardDuty reads of findings and coverage, and archiving, happen only in the delegated
 * administrator's detector, with the bot's own credentials (`aws.guardDuty({ region })`): the
 * member role does not need them. Everything else the code calls may run in a member account.
 */
const ADMINISTRATOR_ONLY = new Set([
  'guardduty:ListFindings',
  'guardduty:GetFindings',
  'guardduty:ListMembers',
  'guardduty:ArchiveFindings',
  'guardduty:ListCoverage',
  'guardduty:GetCoverageStatistics',
  // Suppression rules (Suppress similar) live in the administrator's detector.
  'guardduty:CreateFilter',
  'guardduty:GetFilter',
  'guardduty:DeleteFilter',
]);
// The audit export writes to the bot's own bucket (`aws.s3({ region })`), never in a member account.
const usedInMember = used.filter(
  (a) => !a.startsWith('sts:') && !a.startsWith('s3:') && !ADMINISTRATOR_ONLY.has(a),
);

describe('deploy/member-role.cfn.yml (the member account responder role)', () => {
  it('allows exactly what member-account clients call', () => {
    const missing = usedInMember.filter((a) => !memberAllowed.includes(a));
    const extra = memberAllowed.filter((a) => !usedInMember.includes(a));
    expect(whoUses(missing), 'used by the code but not allowed in member accounts').toEqual([]);
    expect(extra, 'allowed in member accounts but never called there').toEqual([]);
  });

  it('administrator-only GuardDuty calls never get a member-account client', () => {
    for (const action of ADMINISTRATOR_ONLY) {
      for (const file of usage.actions.get(action) ?? []) {
        const src = readFileSync(`${root}${file}`, 'utf8');
        // A client for these is made with the region only (home account), never with a target.
        for (const m of src.matchAll(/\.guardDuty\(([^)]*)\)/g))
          expect(m[1], `${file}: ${action} with ${m[0]}`).toMatch(/^\{\s*region(:[^,}]*)?\s*\}$/);
      }
    }
  });

  it('trusts only the bot role, requires the external id and allows SetSourceIdentity', () => {
    const trust = memberRole?.Properties?.AssumeRolePolicyDocument as {
      Statement: { Effect: string; Principal: unknown; Action: string[]; Condition: unknown }[];
    };
    expect(trust.Statement).toHaveLength(1);
    const [s] = trust.Statement;
    expect(s?.Effect).toBe('Allow');
    expect(s?.Principal).toEqual({ AWS: { Ref: 'BotRoleArn' } });
    expect([s?.Action].flat().sort()).toEqual(['sts:AssumeRole', 'sts:SetSourceIdentity']);
    expect(s?.Condition).toEqual({
      StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } },
      // No session without a SourceIdentity (the Slack user, or `ecs-guard` for the bot's reads).
      Null: { 'sts:SourceIdentity': 'false' },
    });
    expect(memberTemplate.Parameters?.ExternalId?.NoEcho).toBe(true);
  });

  it('is named so that the bot policy may assume it', () => {
    expect(memberRole?.Properties?.RoleName).toEqual({ Ref: 'RoleName' });
    expect(memberTemplate.Parameters?.RoleName?.Default).toBe('EcsGuardResponder');
  });
});
