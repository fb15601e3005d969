import type { Task } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { buildAuditReply, buildVerifyReply } from '../../commands/blocks/audit.js';
import { errorReply } from '../../commands/blocks/common.js';
import { buildCoverageDetail, buildCoverageSummary, sortCoverage } from '../../commands/blocks/coverage.js';
import { buildFindingsReply } from '../../commands/blocks/findings.js';
import { buildStatusReply } from '../../commands/blocks/status.js';
import { buildHelp } from '../../commands/help.js';
import { USAGE } from '../../commands/usage.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { type CoverageRow, healthyShare, remediationFor } from '../../src/aws/coverage.js';
import type { Finding } from '../../src/findings/model.js';
import { uncoveredServices } from '../../src/remediations/cluster-monitoring.js';
import { archiveUrl } from '../../src/slack/archive-url.js';
import { assertWithinBlockKitLimits, collectTexts } from '../helpers/block-kit.js';

const row = (i: number, healthy: boolean, extra: Partial<CoverageRow> = {}): CoverageRow => ({
  accountId: i % 2 ? '111122223333' : '444455556666',
  region: 'us-east-1',
  cluster: `cluster-${String(i).padStart(3, '0')}`,
  status: healthy ? 'HEALTHY' : 'UNHEALTHY',
  ...(healthy ? {} : { issue: 'Agent not provisioned' }),
  issues: healthy
    ? []
    : [
        `Tasks started before enabling Runtime Monitoring require a relaunch. Impacted task ID(s): '${'a'.repeat(32)}'`,
      ],
  managementType: 'AUTO_MANAGED',
  coveredInstances: 0,
  compatibleInstances: 0,
  updatedAt: 1_767_000_000_000,
  ...extra,
});

const text = (r: { blocks?: unknown[] }) => collectTexts(r.blocks ?? []).join('\n');

describe('coverage blocks', () => {
  /** The status cells of the coverage table (header row excluded). */
  const tableStatuses = (blocks: unknown[] = []): string[] => {
    const t = blocks.find((b) => (b as { type?: string }).type === 'table') as
      | { rows: { text: string }[][] }
      | undefined;
    return (t?.rows ?? []).slice(1).map((r) => r[0]?.text ?? '');
  };

  it('300 clusters: one table with status WORDS, unhealthy first, "and N more"; the line fallback too', () => {
    const rows = Array.from({ length: 300 }, (_, i) => row(i, i % 10 !== 0));
    const stats = { healthy: 270, unhealthy: 30 };
    const r = buildCoverageSummary({ rows, stats, scope: { regions: ['us-east-1'] } });
    assertWithinBlockKitLimits(r.blocks ?? [], r.text);
    const t = text(r);
    expect(t).toContain('270 of 300 ECS clusters HEALTHY (90%)');
    const statuses = tableStatuses(r.blocks);
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.length).toBeLessThanOrEqual(99);
    expect(new Set(statuses)).toEqual(new Set(['UNHEALTHY', 'HEALTHY']));
    // every unhealthy cluster comes before any healthy one
    expect(statuses.indexOf('HEALTHY')).toBeGreaterThan(statuses.lastIndexOf('UNHEALTHY'));
    const more = Number(/…and (\d+) more/.exec(t)?.[1]);
    expect(statuses.length + more).toBe(300);
    // the notification text names unhealthy clusters in words
    expect(r.text).toContain('UNHEALTHY: cluster-000');
    // The fallback: the same order as lines, each with the status word beside its emoji.
    const fb = r.fallbackBlocks ?? [];
    assertWithinBlockKitLimits(fb, r.text);
    const ft = collectTexts(fb).join('\n');
    const listed = [...ft.matchAll(/:(red|large_green)_circle: \*(UNHEALTHY|HEALTHY)\*/g)].map((m) => m[2]);
    expect(listed.length).toBeGreaterThan(20);
    expect(listed[0]).toBe('UNHEALTHY');
    expect(listed.indexOf('HEALTHY')).toBeGreaterThan(listed.lastIndexOf('UNHEALTHY'));
    expect(listed.length + Number(/…and (\d+) more/.exec(ft)?.[1])).toBe(300);
    expect(fb.some((b) => (b as { type: string }).type === 'table')).toBe(false);
  });

  it('no status is shown by colour alone (every emoji has its word)', () => {
    const r = buildCoverageDetail('batch-jobs', [row(1, false, { cluster: 'batch-jobs' }), row(2, true)], {
      regions: ['us-east-1'],
    });
    const t = text(r);
    expect(t).toContain(':red_circle: *UNHEALTHY*');
    expect(t).toContain(':large_green_circle: *HEALTHY*');
    expect(t.match(/:(red|large_green)_circle:(?! \*(UN)?HEALTHY\*)/g)).toBeNull();
    expect(r.text).toBe('Coverage of batch-jobs: UNHEALTHY');
  });

  it('hostile cluster names and long issues stay escaped and inside limits', () => {
    const rows = Array.from({ length: 60 }, (_, i) =>
      row(i, false, { cluster: `<!channel>&x${'y'.repeat(200)}${i}`, issue: `<@U1> ${'z'.repeat(3000)}` }),
    );
    const r = buildCoverageSummary({
      rows,
      stats: { healthy: 0, unhealthy: 60 },
      scope: { regions: ['us-east-1'] },
    });
    assertWithinBlockKitLimits(r.blocks ?? [], r.text);
    assertWithinBlockKitLimits(r.fallbackBlocks ?? [], r.text);
    expect(text(r)).not.toContain('<!channel>');
    expect(collectTexts(r.fallbackBlocks ?? []).join('')).not.toContain('<!channel>');
    expect(r.text).not.toContain('<!channel>');
  });

  it('sorts unhealthy first, then by name', () => {
    const s = sortCoverage([row(2, true), row(1, false), row(0, true)]);
    expect(s.map((r) => r.cluster)).toEqual(['cluster-001', 'cluster-000', 'cluster-002']);
  });

  it('single cluster view lists every issue with a remediation hint', () => {
    const r = buildCoverageDetail(
      'batch-jobs',
      [
        row(1, false, {
          cluster: 'batch-jobs',
          issues: [
            "TaskExecutionRole missing from TaskDefinition - 'worker'",
            'Agent exited: Reason: CannotPullContainerError: pull image manifest has been retried 1 time(s)',
            'Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for vpc-1',
            "Tasks started when clusters had exclusion tag are excluded from Runtime Monitoring. Impacted task ID(s): 'x'",
            "Unsupported CPU architecture 'ARM_V6' for task(s)",
          ],
        }),
      ],
      { regions: ['us-east-1'] },
    );
    assertWithinBlockKitLimits(r.blocks ?? [], r.text);
    const t = text(r);
    expect(t).toContain('task execution role');
    expect(t).toContain('ECR pull permissions');
    expect(t).toContain('enableDnsSupport and enableDnsHostnames to true');
    expect(t).toContain('`/ecs-guard enable batch-jobs`');
    expect(t).toContain('x86_64 and ARM64');
    expect((t.match(/:bulb:/g) ?? []).length).toBe(5);
  });

  it('knows the hints and the share', () => {
    expect(remediationFor("Service 'web' requires a new deployment to fix/troubleshoot.")).toMatch(
      /redeploy/,
    );
    expect(remediationFor('something new')).toBeUndefined();
    expect(healthyShare({ healthy: 0, unhealthy: 0 })).toBe(0);
    expect(healthyShare({ healthy: 1, unhealthy: 2 })).toBe(33);
  });
});

describe('uncoveredServices', () => {
  it('counts Fargate tasks without the agent sidecar, by service', () => {
    const t = (group: string, agent: boolean, launchType: Task['launchType'] = 'FARGATE'): Task => ({
      group,
      launchType,
      lastStatus: 'RUNNING',
      containers: [
        { name: 'app' },
        ...(agent
          ? [
              {
                name: 'aws-guardduty-agent-abc',
                image: '593207742271.dkr.ecr.us-east-1.amazonaws.com/aws-guardduty-agent-fargate:v1.5.0',
              },
            ]
          : []),
      ],
    });
    expect(
      uncoveredServices([
        t('service:web', true),
        t('service:worker', false),
        t('service:worker', false),
        t('family:cron', false),
        t('service:legacy', false, 'EC2'),
      ]),
    ).toEqual({ services: ['worker'], standaloneTasks: 1 });
  });
});

const finding = (i: number): Finding => ({
  id: `f${i}`,
  type: 'Execution:Runtime/NewBinaryExecuted',
  severity: 8,
  severityLabel: 'High',
  title: 't',
  description: 'd',
  accountId: '111122223333',
  region: 'us-east-1',
  partition: 'aws',
  clusterName: `prod-<@U1>-${i}`,
  service: 'web',
  taskId: 'abcdef0123456789',
  runtime: { files: [], domains: [], ips: [], other: {} },
  count: 3,
  updatedAt: new Date(1_767_000_000_000).toISOString(),
  archived: false,
  sample: false,
  resourceType: 'ECSCluster',
});

describe('findings, audit, status, help blocks', () => {
  it('findings link to their cards and stay within limits at 100 rows', () => {
    expect(archiveUrl('CALERTS001', '1767000000.000100')).toBe(
      'https://slack.com/archives/CALERTS001/p1767000000000100',
    );
    expect(archiveUrl('bad', '1.2')).toBeUndefined();
    const rows = Array.from({ length: 100 }, (_, i) => ({
      finding: finding(i),
      state: 'posted',
      cardUrl: archiveUrl('CALERTS001', `1767000000.${String(i).padStart(6, '0')}`),
    }));
    const r = buildFindingsReply(rows, 'last 24h', 100);
    assertWithinBlockKitLimits(r.blocks ?? [], r.text);
    expect(text(r)).toContain('POSTED <https://slack.com/archives/CALERTS001/p1767000000000000|card>');
    expect(text(r)).not.toContain('<@U1>');
  });

  it('audit lines and verify', () => {
    const rec: AuditRecord = {
      seq: 7,
      time: new Date(0).toISOString(),
      actor: { id: 'UAPP' },
      action: 'enable',
      event: 'enabled',
      target: { cluster: 'batch-jobs', accountId: '111122223333', region: 'us-east-1' },
      outcome: 'ok',
      prev: 'x',
      hash: 'y',
    };
    const r = buildAuditReply([rec], '');
    assertWithinBlockKitLimits(r.blocks ?? [], r.text);
    expect(text(r)).toContain('#7');
    expect(text(r)).toContain('<@UAPP>');
    expect(buildVerifyReply({ ok: true, checked: 5 }).text).toBe('Audit chain intact: 5 record(s) verified.');
    expect(buildVerifyReply({ ok: false, checked: 2, problem: 'edited', at: '1-0' }).text).toContain(
      'BROKEN',
    );
  });

  it('escapes every finding value and the --type text, in blocks and in the fallback text', () => {
    const evil = '<!channel> *x* `y`\n:white_check_mark: done';
    const f = { ...finding(1), accountId: `1111<!here>`, region: `us-east-1${evil}` };
    for (const r of [
      buildFindingsReply([{ finding: f, state: 'posted' }], `type ${evil}*`, 1),
      buildFindingsReply([], `type ${evil}*`, 0),
    ]) {
      // (the header is plain_text: `<` and `>` become ‹ ›, checked by the first half of the match)
      const body = { blocks: (r.blocks as { type: string }[]).filter((b) => b.type !== 'header') };
      expect(text(r).replace(/<!date\^\d+\^[^|>]+\|[^>]+>/g, '')).not.toContain('<!');
      const all = `${text(body)}\n${r.text}`.replace(/<!date\^\d+\^[^|>]+\|[^>]+>/g, '');
      expect(all).not.toMatch(/<!|:white_check_mark:/);
      expect(r.text).not.toContain('\n');
    }
    const rec: AuditRecord = {
      seq: 8,
      time: new Date(0).toISOString(),
      actor: { id: 'UAPP' },
      action: 'stop-task',
      event: 'requested',
      target: { cluster: 'c', accountId: `1<!here>`, region: `r${evil}`, findingId: '<!channel>' },
      outcome: 'ok',
      reason: `_${evil}`,
      prev: 'x',
      hash: 'y',
    };
    const a = buildAuditReply([rec], '');
    const audit = `${text(a)}\n${a.text}`.replace(/<!date\^\d+\^[^|>]+\|[^>]+>/g, '');
    expect(audit).not.toContain('<!');
    // One ✅: the record's own outcome; none from the event or reason text.
    expect(audit.match(/:white_check_mark:/g)).toHaveLength(1);
    const e = errorReply('Bad <!channel>', 'you typed <@U123>');
    expect(e.text).not.toMatch(/<[!@]/);
  });

  it('status and help are within limits', () => {
    const s = buildStatusReply({
      version: '1.0.0',
      now: 100_000,
      regions: ['us-east-1'],
      pollSeconds: 60,
      accounts: [
        {
          accountId: '111122223333',
          home: true,
          arn: 'arn:aws:sts::1:assumed-role/x',
          detectors: [{ region: 'us-east-1', detectorId: 'd1' }],
        },
      ],
      polls: [{ region: 'us-east-1', at: 0, lagMs: 400_000, listed: 1, new: 1 }],
      queues: [{ name: 'poll', counts: { waiting: 1, active: 0, delayed: 2, failed: 3 } }],
      pendingApprovals: 4,
    });
    assertWithinBlockKitLimits(s.blocks ?? [], s.text);
    expect(text(s)).toContain(':x: *FAILED* 1 waiting, 0 active, 2 delayed, 3 failed');
    expect(text(s)).toContain(':warning: *LATE* last poll');
    expect(text(s)).toContain(':white_check_mark: *OK* `arn:aws:sts::1:assumed-role/x`');
    expect(text(s)).toContain('*UNHEALTHY*: 1 problem(s) below');
    expect(s.text).toContain('UNHEALTHY');
    const h = buildHelp();
    assertWithinBlockKitLimits(h.blocks ?? [], h.text);
    for (const u of USAGE) expect(text(h)).toContain(`/ecs-guard ${u.usage}`);
  });
});
