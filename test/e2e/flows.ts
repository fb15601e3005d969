import type { WireFinding } from '../../sandbox/aws/index.js';
import type { SlackEmulator } from '../../sandbox/slack/index.js';
import { systemClock } from '../../src/clock.js';
import { idOfKey } from '../../src/findings/finding-key.js';
import { FindingStore } from '../../src/findings/store.js';
import { keyspace, type Redis } from '../../src/redis.js';
import { CardStore } from '../../src/slack/card-store.js';
import { INGEST_TOKEN } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

/** Small drivers shared by the end-to-end tests (the bot is a child process; only HTTP reaches it). */

export interface Button {
  action_id: string;
  block_id?: string;
  value?: string;
  style?: string;
  text?: { text: string };
}

interface Block {
  type: string;
  block_id?: string;
  elements?: (Button & { type: string })[];
}

export function buttonsOf(blocks: unknown): Button[] {
  return ((blocks ?? []) as Block[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) =>
      (b.elements ?? [])
        .filter((e) => e.type === 'button')
        .map((e) => ({ ...e, ...(b.block_id ? { block_id: b.block_id } : {}) })),
    );
}

/**
 * POSTs findings to `/events/guardduty` as EventBridge events, 25 to a request (the endpoint takes
 * 256 KB a request). Returns the first answer that is not 202, else the last. The bot verifies
 * each with GetFindings, so the AWS emulator must hold them (addFindingFor / state.addFinding).
 */
export async function pushFindings(
  baseUrl: string,
  findings: WireFinding[],
  token = INGEST_TOKEN,
): Promise<Response> {
  let last: Response | undefined;
  for (let i = 0; i === 0 || i < findings.length; i += 25) {
    last = await fetch(`${baseUrl}/events/guardduty`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        findings
          .slice(i, i + 25)
          .map((f) => ({ 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', detail: f })),
      ),
    });
    if (last.status !== 202) return last;
  }
  return last as Response;
}

/** Every posted message in `channel` whose blocks mention `text` (a finding id, say). */
export function cardsMentioning(slack: SlackEmulator, channel: string, text: string) {
  return slack.messages(channel).filter((m) => JSON.stringify(m.blocks ?? []).includes(text));
}

/** The block_actions payload Slack sends for a click on a stored message's button (Socket Mode or HTTP). */
export function blockActionsPayload(
  slack: SlackEmulator,
  input: { channel: string; ts: string; user: string; actionId: string },
): Record<string, unknown> {
  const stored = slack.message(input.channel, input.ts);
  if (!stored) throw new Error(`no message ${input.channel}/${input.ts}`);
  const button = buttonsOf(stored.blocks).find((b) => b.action_id === input.actionId);
  if (!button) throw new Error(`no button ${input.actionId} in ${input.channel}/${input.ts}`);
  return {
    type: 'block_actions',
    user: { id: input.user, username: 'user', name: 'user', team_id: 'T0ECSGUARD' },
    api_app_id: 'A0ECSGUARD',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: input.ts, channel_id: input.channel, is_ephemeral: false },
    trigger_id: slack.createTriggerId(input.user),
    team: { id: 'T0ECSGUARD', domain: 'ecs-guard' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channel, name: 'channel' },
    message: { type: 'message', ts: input.ts, text: stored.text, blocks: stored.blocks },
    state: { values: {} },
    response_url: slack.createResponseUrl({ channel: input.channel, user: input.user, messageTs: input.ts }),
    actions: [
      {
        action_id: button.action_id,
        block_id: button.block_id,
        text: button.text,
        type: 'button',
        ...(button.value !== undefined ? { value: button.value } : {}),
        action_ts: (Date.now() / 1000).toFixed(6),
      },
    ],
  };
}

export interface Accounting {
  /** Every finding id is in a posted card (its own or a group's). */
  complete: boolean;
  /** card id → finding ids it accounts for */
  byCard: Map<string, string[]>;
  /** card id → Slack ts */
  tsOf: Map<string, string>;
  problems: string[];
}

/**
 * Reads the bot's Redis state (the child's key prefix) and checks that every finding id is in
 * exactly one posted card: its own, or one group card whose member list has it.
 */
export async function accountFor(redis: Redis, prefix: string, ids: string[]): Promise<Accounting> {
  const keys = keyspace(prefix);
  const findings = new FindingStore(redis, keys, systemClock);
  const cards = new CardStore(redis, keys, systemClock);
  const recs = (await findings.getByIds(ids)).map((rs) => rs[0]);
  const byCard = new Map<string, string[]>();
  const tsOf = new Map<string, string>();
  const problems: string[] = [];
  for (const [i, r] of recs.entries()) {
    if (!r) problems.push(`${ids[i]}: no record`);
    else if ((r.state !== 'posted' && r.state !== 'grouped') || !r.cardId)
      problems.push(`${ids[i]}: ${r.state}`);
    else byCard.set(r.cardId, [...(byCard.get(r.cardId) ?? []), r.finding.id]);
  }
  for (const [cardId, members] of byCard) {
    const card = await cards.get(cardId);
    if (!card?.ts) {
      problems.push(`card ${cardId}: not posted yet`);
      continue;
    }
    tsOf.set(cardId, card.ts);
    if (card.kind === 'group') {
      const g = await cards.getGroup(card.groupId ?? '');
      const listed = new Set(g?.members.map((m) => m.id));
      for (const id of members)
        if (!listed.has(id)) problems.push(`${id}: not listed in group card ${cardId}`);
    } else if (members.length !== 1 || idOfKey(card.findingKey ?? '') !== members[0]) {
      problems.push(`card ${cardId}: finding card for ${members.join(',')}`);
    }
  }
  return { complete: problems.length === 0, byCard, tsOf, problems };
}

/** Successful top-level chat.postMessage calls (cards; thread replies excluded), with their ts. */
export function postedCards(slack: SlackEmulator): { channel: string; ts: string; text: string }[] {
  return slack
    .calls('chat.postMessage')
    .filter((c) => c.ok && !(c.args as { thread_ts?: string }).thread_ts)
    .map((c) => ({
      channel: String((c.args as { channel: string }).channel),
      ts: String((c.result as { ts?: string } | undefined)?.ts),
      text: JSON.stringify(c.args),
    }));
}

/**
 * Waits until the bot has recorded the card's ts (its "card posted" log line). Slack shows the
 * message a moment before; a click in that gap finds a card without a ts (a reply would then go
 * to the channel, not the thread), which no human is quick enough to hit.
 */
export async function cardRecorded(output: () => string, ts: string): Promise<void> {
  await waitFor(() => output().includes(`"ts":"${ts}"`), { what: `card ${ts} recorded by the bot` });
}
