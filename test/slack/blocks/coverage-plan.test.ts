import { describe, expect, it } from 'vitest';
import type { CoveragePlan } from '../../../src/requests/plans.js';
import {
  buildPlanDecided,
  buildPlanMessage,
  CONFIRM_ACTION,
} from '../../../src/slack/blocks/coverage-plan.js';
import { assertWithinBlockKitLimits, collectTexts } from '../../helpers/block-kit.js';

const text = (r: { blocks?: unknown[] }) => collectTexts(r.blocks ?? []).join('\n');

const plan: CoveragePlan = {
  planId: `p${'a'.repeat(24)}`,
  action: 'enable',
  accountId: '111122223333',
  region: 'us-east-1',
  cluster: 'batch-jobs',
  clusterArn: 'arn:aws:ecs:us-east-1:111122223333:cluster/batch-jobs',
  insights: true,
  requester: 'UREQ',
  channelId: 'C1',
  tagBefore: 'false',
  createdAt: 0,
  expiresAt: 1_800_000,
};

describe('plan blocks', () => {
  it('the plan carries only the plan id on Confirm and names the approvers', () => {
    const r = buildPlanMessage(
      plan,
      [{ ok: true, text: 'Runtime Monitoring is enabled' }],
      ['UAPP', 'SGRP'],
      {
        blocked: false,
      },
    );
    assertWithinBlockKitLimits(r.blocks ?? [], r.text);
    const json = JSON.stringify(r.blocks);
    expect(json).toContain(CONFIRM_ACTION);
    const values = [...json.matchAll(/"value":"([^"]*)"/g)].map((m) => m[1]);
    expect(values).toEqual([plan.planId, plan.planId]);
    expect(text(r)).toContain('GuardDutyManaged=true');
    expect(text(r)).toContain('Container Insights');
    expect(text(r)).toContain('<@UAPP>, <!subteam^SGRP>');
  });

  it('a blocked plan has no buttons', () => {
    const r = buildPlanMessage(plan, [{ ok: false, text: 'Runtime Monitoring is off' }], ['UAPP'], {
      blocked: true,
    });
    expect(JSON.stringify(r.blocks)).not.toContain(CONFIRM_ACTION);
    expect(text(r)).toContain('Blocked');
  });

  it('the result lists services to redeploy (capped)', () => {
    const r = buildPlanDecided(
      plan,
      { status: 'confirmed', by: 'UAPP', at: 1000 },
      {
        ok: true,
        tagBefore: 'false',
        tagAfter: 'true',
        insights: 'enabled',
        servicesToRedeploy: Array.from({ length: 500 }, (_, i) => `service-${i}`),
        standaloneTasks: 2,
      },
    );
    assertWithinBlockKitLimits(r.blocks ?? [], r.text);
    expect(text(r)).toContain('service-0');
    expect(text(r)).toMatch(/…and \d+ more/);
    expect(JSON.stringify(r.blocks)).not.toContain(CONFIRM_ACTION);
  });
});
