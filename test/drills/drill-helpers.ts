import { expect } from 'vitest';
import { addFindingFor, type Estate, type WireFinding } from '../../sandbox/aws/index.js';
import type { AwsState } from '../../sandbox/aws/state.js';
import type { SlackEmulator } from '../../sandbox/slack/index.js';
import type { FindingStore } from '../../src/findings/store.js';
import type { CardStore } from '../../src/slack/card-store.js';
import { PEOPLE } from '../helpers/harness.js';

const TYPES: [string, number][] = [
  ['Execution:Runtime/ReverseShell', 8],
  ['Impact:Runtime/CryptoMinerExecuted', 7.5],
  ['Execution:Runtime/NewBinaryExecuted', 5],
  ['Discovery:Runtime/SuspiciousCommand', 2],
];

/** Seeds `n` findings in the AWS emulator across the estate's us-east-1 services (both accounts). */
export function seedFindings(state: AwsState, estate: Estate, n: number, idPrefix: string): WireFinding[] {
  const tasks = ['web', 'api', 'worker', 'legacy', 'payments'].flatMap(
    (s) => estate.services[s]?.tasks ?? [],
  );
  return Array.from({ length: n }, (_, i) => {
    const [type, severity] = TYPES[i % TYPES.length] as [string, number];
    const task = tasks[Math.floor(i / TYPES.length) % tasks.length]!;
    return addFindingFor(state, { type, severity, task, id: `${idPrefix}${String(i).padStart(5, '0')}` });
  });
}

/** EventBridge events for findings, as the API destination POSTs them. */
export const asEvents = (fs: WireFinding[]) =>
  fs.map((f) => ({ 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', detail: f }));

/** Every id whose record points at a card Slack accepted (own card or group card). */
export async function accountedIds(
  findings: FindingStore,
  cards: CardStore,
  ids: string[],
): Promise<string[]> {
  const recs = (await findings.getByIds(ids)).map((rs) => rs[0]);
  const out: string[] = [];
  for (const r of recs) {
    if (!r?.cardId || (r.state !== 'posted' && r.state !== 'grouped')) continue;
    if ((await cards.get(r.cardId))?.ts) out.push(r.finding.id);
  }
  return out;
}

/**
 * Nothing lost, nothing done twice: every finding is in exactly one posted card (its own, or a
 * group card that lists it), and Slack holds exactly one top-level message per card: a card
 * posted twice would leave a message no card points at.
 */
export async function expectEachFindingPostedOnce(
  findings: FindingStore,
  cards: CardStore,
  slack: SlackEmulator,
  ids: string[],
  channels: string[] = [PEOPLE.alerts, PEOPLE.prod],
): Promise<{ cards: number }> {
  const recs = (await findings.getByIds(ids)).map((rs) => rs[0]);
  const byCard = new Map<string, string[]>();
  for (const r of recs) {
    expect(r, 'every finding has a record').toBeTruthy();
    expect(['posted', 'grouped']).toContain(r!.state);
    byCard.set(r!.cardId!, [...(byCard.get(r!.cardId!) ?? []), r!.finding.id]);
  }
  const cardTs = new Set<string>();
  for (const [cardId, members] of byCard) {
    const card = await cards.get(cardId);
    expect(card?.ts, `card ${cardId} posted`).toBeTruthy();
    cardTs.add(`${card!.channel}/${card!.ts}`);
    if (card!.kind === 'group') {
      const g = await cards.getGroup(card!.groupId!);
      const listed = new Set(g!.members.map((m) => m.id));
      for (const id of members) expect(listed.has(id), `group lists ${id}`).toBe(true);
    } else expect(members).toHaveLength(1);
  }
  const messages = channels.flatMap((c) => slack.messages(c).map((m) => `${c}/${m.ts}`));
  expect(messages.length, 'one Slack message per card, none posted twice').toBe(cardTs.size);
  expect(new Set(messages)).toEqual(cardTs);
  return { cards: cardTs.size };
}
