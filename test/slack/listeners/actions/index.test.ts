// The one button wrapper (registerActions' listener), driven through a fake Bolt App: ack() comes
// before any work, the work runs in the handler pool, clicks from another workspace are refused
// and audited, a handler that throws is answered, and every button id has its listener.
import type { App } from '@slack/bolt';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FINDING_CARD_REMEDIATIONS } from '../../../../src/remediations/index.js';
import { ACTION_ID } from '../../../../src/slack/blocks/action-ids.js';
import { CONTAIN_PLAN } from '../../../../src/slack/blocks/contain-plan.js';
import { registerActions } from '../../../../src/slack/listeners/actions/index.js';
import { CHANNEL, type ClickWorld, clickWorld, seedCard, TEAM } from '../../../helpers/click-context.js';
import { PEOPLE } from '../../../helpers/people.js';
import { testRedis } from '../../../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

type Listener = (args: Record<string, unknown>) => Promise<void>;

/** registerActions against a fake App: its listeners by action id. */
function listeners(w: ClickWorld): Map<string, Listener> {
  const by = new Map<string, Listener>();
  const app = {
    action: (c: { action_id: string }, l: Listener) => by.set(c.action_id, l),
    view: () => undefined,
  } as unknown as App;
  registerActions(app, w.ctx);
  return by;
}

/** A block_actions body as Slack sends it. */
const body = (userId: string | undefined, value: string, team = TEAM) => ({
  type: 'block_actions',
  ...(userId ? { user: { id: userId, username: 'rita', team_id: team } } : {}),
  team: { id: team },
  channel: { id: CHANNEL },
  container: { channel_id: CHANNEL, message_ts: '1767000000.000100' },
  trigger_id: 'trig-1',
  actions: [{ value }],
});

describe('the button listener', () => {
  let w: ClickWorld;
  let on: Map<string, Listener>;
  beforeEach(() => {
    w = clickWorld(redis);
    on = listeners(w);
  });

  /** Calls a listener as Bolt would; records what had happened when ack() was called. */
  async function click(
    actionId: string,
    b: ReturnType<typeof body>,
    context: { teamId?: string } = { teamId: TEAM },
  ) {
    const seenAtAck: number[] = [];
    let acks = 0;
    const listener = on.get(actionId);
    if (!listener) throw new Error(`no listener for ${actionId}`);
    await listener({
      ack: async () => {
        acks++;
        seenAtAck.push(w.slack.length, (await w.ctx.audit.list({ limit: 5 })).length);
      },
      body: b,
      action: { action_id: actionId, ...(b.actions[0] ?? {}) },
      context,
      respond: async () => undefined,
    });
    return { acks, seenAtAck };
  }

  it('acks before any work; the work (here a Stop task request) runs after, in the handler pool', async () => {
    const { cardId } = await seedCard(w);
    const r = await click('stop_task', body(PEOPLE.requester, cardId));
    expect(r.acks).toBe(1);
    expect(r.seenAtAck).toEqual([0, 0]); // nothing sent, nothing audited, when Slack got its ack
    await w.idle();
    expect((await w.ctx.cards.get(cardId))?.state.pending).toMatchObject({
      action: 'stop-task',
      requesterId: PEOPLE.requester,
    });
    expect(await w.audited('requested')).toHaveLength(1);
  });

  it('a click from another workspace is refused (ephemeral, audited) and never reaches the handler', async () => {
    const { cardId } = await seedCard(w);
    await click('stop_task', body(PEOPLE.requester, cardId, 'TFOREIGN01'));
    await w.idle();
    const [refused] = await w.audited('refused');
    expect(refused).toMatchObject({
      actor: { id: PEOPLE.requester },
      action: 'stop_task',
      outcome: 'denied',
    });
    expect(refused?.reason).toMatch(/^Refused: this click came from another Slack workspace/);
    expect(w.ephemerals(PEOPLE.requester)[0]?.text).toMatch(/^:no_entry: Refused: /);
    expect(await w.audited('requested')).toEqual([]);
    // Without the bot's own team id (auth.test failed) nothing is allowed.
    await click('stop_task', body(PEOPLE.requester, cardId), {});
    await w.idle();
    expect((await w.audited('refused'))[0]?.reason).toMatch(/cannot tell which Slack workspace/);
  });

  it('a body without a usable user is acknowledged and ignored', async () => {
    const { cardId } = await seedCard(w);
    const r = await click('stop_task', body(undefined, cardId));
    await w.idle();
    expect(r.acks).toBe(1);
    expect(w.slack).toEqual([]);
    expect(await w.ctx.audit.list({ limit: 5 })).toEqual([]);
  });

  it('a handler that throws is logged and the clicker told to try again (ephemeral)', async () => {
    const { cardId } = await seedCard(w);
    w.ctx.cards.get = async () => {
      throw new Error('Redis went away');
    };
    const r = await click('stop_task', body(PEOPLE.requester, cardId));
    await w.idle();
    expect(r.acks).toBe(1);
    expect(w.ephemerals(PEOPLE.requester).map((e) => e.text)).toEqual([
      ':warning: ecs-guard could not handle that click; please try again. The error was logged.',
    ]);
  });

  it('the plan checkboxes are acknowledged only', async () => {
    const { cardId } = await seedCard(w);
    const r = await click(CONTAIN_PLAN.checkboxes, body(PEOPLE.requester, cardId));
    await w.idle();
    expect(r.acks).toBe(1);
    expect(w.slack).toEqual([]);
  });

  it('every finding-card button and engine button has a listener', () => {
    const ids = [...on.keys()];
    for (const def of FINDING_CARD_REMEDIATIONS) expect(ids).toContain(def.button.actionId);
    for (const id of Object.values(ACTION_ID)) expect(ids).toContain(id);
    expect(ids).toEqual(
      expect.arrayContaining([
        CONTAIN_PLAN.request,
        CONTAIN_PLAN.checkboxes,
        'redeploy_service',
        'suppression_remove',
      ]),
    );
  });
});
