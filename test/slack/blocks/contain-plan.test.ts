import { describe, expect, it } from 'vitest';
import { TASKS_STEP_LABEL } from '../../../src/remediations/contain.js';
import { buildContainPlan, type PlanTaskLine } from '../../../src/slack/blocks/contain-plan.js';
import { assertWithinBlockKitLimits, collectTexts } from '../../helpers/block-kit.js';
import { EVIL } from './hostile.js';

describe('the Contain plan of an incident', () => {
  const offered = (['hold-service', 'stop-task', 'stop-image-tasks'] as const).map((step) => ({
    step,
    label: TASKS_STEP_LABEL[step],
  }));

  it('lists every task and the services a hold sets to 0', () => {
    const tasks: PlanTaskLine[] = [
      {
        accountId: '111122223333',
        region: 'us-east-1',
        taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/pay/aaa',
        cluster: 'pay',
        service: 'api',
      },
      {
        accountId: '111122223333',
        region: 'us-east-1',
        taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/pay/bbb',
        cluster: 'pay',
        service: 'api',
      },
      {
        accountId: '444455556666',
        region: 'eu-west-1',
        taskArn: 'arn:aws:ecs:eu-west-1:444455556666:task/jobs/ccc',
        cluster: 'jobs',
      },
    ];
    const m = buildContainPlan({
      cardId: 'card-1',
      taskId: 'Compromised cluster',
      tasks,
      offered,
      defaults: ['stop-task'],
    });
    const text = collectTexts(m.blocks).join('\n');
    for (const id of ['aaa', 'bbb', 'ccc']) expect(text).toContain(id);
    expect(text).toContain('*Affected tasks* (3)');
    expect(text).toContain('*Services a hold sets to 0* (1)');
    expect(text).toContain('444455556666 / eu-west-1');
    expect(m.text).toBe('Contain 3 tasks of the incident: choose the steps');
  });

  it('400 hostile tasks stay escaped and within Block Kit limits ("and N more")', () => {
    const tasks: PlanTaskLine[] = Array.from({ length: 400 }, (_, i) => ({
      accountId: '111122223333',
      region: 'us-east-1',
      taskArn: `arn:aws:ecs:us-east-1:111122223333:task/c${i}/${'f'.repeat(32)}${i}`,
      cluster: `${EVIL}${i}`,
      service: `<!channel>${EVIL}${i}`,
    }));
    const m = buildContainPlan({ cardId: 'card-1', taskId: EVIL.repeat(10), tasks, offered, defaults: [] });
    assertWithinBlockKitLimits(m.blocks, m.text);
    const all = collectTexts(m.blocks).join('\n');
    expect(all).toMatch(/…and \d+ more tasks/);
    expect(all).toMatch(/…and \d+ more services/);
    expect(all).not.toMatch(/<[!@#]/);
    expect(all).not.toMatch(/(?<!\u200D)@(here|channel|everyone)/);
  });
});
