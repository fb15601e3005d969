// click.ts: what a handler takes from a Bolt body (only ids; nothing else is trusted) and the
// refusal every handler uses (audited, counted, told to the clicker alone).
import { afterAll, describe, expect, it } from 'vitest';
import { clickFrom, refuse } from '../../../../src/slack/listeners/actions/click.js';
import { CHANNEL, clickOf, clickWorld, TEAM } from '../../../helpers/click-context.js';
import { PEOPLE } from '../../../helpers/people.js';
import { testRedis } from '../../../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

describe('clickFrom', () => {
  it('takes user, channel, message, teams, trigger, state and the value (capped) from a block_actions body', () => {
    const c = clickFrom(
      {
        user: { id: PEOPLE.requester, username: 'rita', team_id: TEAM },
        team: { id: TEAM },
        container: { channel_id: CHANNEL, message_ts: '1767000000.000100' },
        trigger_id: 'trig-1',
        response_url: 'https://hooks.slack.com/actions/x',
        state: { values: { b: { a: { type: 'checkboxes' } } } },
      },
      { value: 'x'.repeat(500) },
    );
    expect(c).toEqual({
      userId: PEOPLE.requester,
      userName: 'rita',
      channelId: CHANNEL,
      messageTs: '1767000000.000100',
      teamId: TEAM,
      userTeamId: TEAM,
      triggerId: 'trig-1',
      responseUrl: 'https://hooks.slack.com/actions/x',
      state: { b: { a: { type: 'checkboxes' } } },
      value: 'x'.repeat(200),
    });
  });

  it('is undefined without a well-formed user id or a channel; a missing value is empty', () => {
    expect(
      clickFrom({ user: { id: 'not-a-user' }, channel: { id: CHANNEL } }, { value: 'v' }),
    ).toBeUndefined();
    expect(clickFrom({ user: { id: PEOPLE.requester } }, { value: 'v' })).toBeUndefined();
    expect(clickFrom({ user: { id: PEOPLE.requester }, channel: { id: CHANNEL } }, {})?.value).toBe('');
  });
});

describe('refuse', () => {
  it('audits the refusal (denied, with the value), counts it, and tells only the clicker', async () => {
    const w = clickWorld(redis);
    await refuse(w.ctx, clickOf(PEOPLE.outsider, 'c-some-value'), 'stop-task', 'Stop task refused: no.', {
      findingId: 'f1',
    });
    const [r] = await w.ctx.audit.list({ limit: 5 });
    expect(r).toMatchObject({
      actor: { id: PEOPLE.outsider },
      action: 'stop-task',
      event: 'refused',
      outcome: 'denied',
      reason: 'Stop task refused: no.',
      target: { findingId: 'f1' },
      detail: { value: 'c-some-value' },
    });
    expect(w.ephemerals()).toEqual([
      { channel: CHANNEL, user: PEOPLE.outsider, text: ':no_entry: Stop task refused: no.' },
    ]);
    expect(await w.ctx.metrics.registry.getSingleMetricAsString('ecs_guard_actions_total')).toMatch(
      /action="stop-task",outcome="refused"\} 1/,
    );
  });
});
