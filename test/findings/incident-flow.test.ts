import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAttackSequence, addFindingFor } from '../../sandbox/aws/index.js';
import { archiveUrl } from '../../src/slack/archive-url.js';
import { type Harness, INGEST_TOKEN, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// ECS attack sequences end to end in one process: runtime findings and a sequence citing them
// seeded in the AWS emulator, polled (and pushed) through the real pipeline, real Redis, cards
// posted to the Slack emulator.
describe('attack-sequence incidents', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const ch = PEOPLE.alerts;
  const cardsWith = (id: string) => h.slack.messages(ch).filter((m) => JSON.stringify(m.blocks).includes(id));

  it('one incident card linking the three cited cards, which link back; updates in place; both ways is one card', async () => {
    const tasks = h.estate.services.web!.tasks;
    const runtime = [
      'Execution:Runtime/NewBinaryExecuted',
      'Execution:Runtime/ReverseShell',
      'Impact:Runtime/CryptoMinerExecuted',
    ].map((type, i) => addFindingFor(h.aws.state, { type, task: tasks[i % tasks.length]!, severity: 8 }));
    await h.guard.ctx.poller.poll('us-east-1');
    const posted = await waitFor(
      () => {
        const c = runtime.map((f) => cardsWith(f.id)[0]);
        return c.every(Boolean) ? c.map((m) => m!) : undefined;
      },
      { what: 'three runtime cards', timeoutMs: 20_000 },
    );

    const seq = addAttackSequence(h.aws.state, { cites: runtime });
    await h.guard.ctx.poller.poll('us-east-1');
    const incident = await waitFor(() => cardsWith(seq.id)[0], { what: 'incident card', timeoutMs: 20_000 });
    const header = JSON.stringify(incident.blocks?.[0]);
    expect(header).toContain('CRITICAL · AttackSequence:ECS/CompromisedCluster');
    const incidentUrl = archiveUrl(ch, incident.ts)!;

    // The incident links every cited card; each cited card says "part of incident" with a link back.
    await waitFor(
      () => {
        const text = JSON.stringify(h.slack.message(ch, incident.ts)?.blocks);
        return posted.every((p) => text.includes(archiveUrl(ch, p.ts)!));
      },
      { what: 'incident card links to the three cards', timeoutMs: 20_000 },
    );
    await waitFor(
      () =>
        posted.every((p) => {
          const text = JSON.stringify(h.slack.message(ch, p.ts)?.blocks);
          return text.includes(`<${incidentUrl}|part of incident`);
        }),
      {
        what: `the three cards link back to the incident ${JSON.stringify(h.slack.message(ch, posted[0]!.ts)?.blocks).slice(0, 3000)} ${h.slack.calls('chat.update').length}`,
        timeoutMs: 30_000,
      },
    );
    const text = JSON.stringify(h.slack.message(ch, incident.ts)?.blocks);
    for (const want of [
      'MITRE ATT&CK tactics',
      'Execution',
      '*Signals* (3',
      'prod-web',
      '*Network endpoints*',
    ])
      expect(text).toContain(want);
    const labels = (
      (h.slack.message(ch, incident.ts)?.blocks ?? []) as {
        type: string;
        elements?: { text?: { text: string } }[];
      }[]
    )
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? [])
      .map((e) => e.text?.text);
    expect(labels).toContain('Archive');
    expect(labels).toContain('ECS context');
    expect(labels).not.toContain('Stop task');

    // The same sequence pushed through EventBridge: a duplicate, not a second card.
    const push = await fetch(`${h.baseUrl}/events/guardduty`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', detail: seq }),
    });
    expect(push.status).toBe(202);
    expect(await push.json()).toMatchObject({ accepted: 1 });
    // Verified with GetFindings: the same sequence, so a duplicate of the polled one.
    await waitFor(async () => (await h.guard.ctx.pushes.waiting('us-east-1')) === 0, {
      what: 'push verified',
    });
    expect(cardsWith(seq.id)).toHaveLength(1);

    // GuardDuty updates the sequence: the card is updated in place, never posted twice.
    const updatesBefore = h.slack
      .calls('chat.update')
      .filter((c) => (c.args as { ts?: string }).ts === incident.ts).length;
    h.aws.state.updateFinding(seq.id, { countBy: 2, at: Date.now() + 1000 });
    await h.guard.ctx.poller.poll('us-east-1');
    await waitFor(
      () =>
        h.slack.calls('chat.update').filter((c) => (c.args as { ts?: string }).ts === incident.ts).length >
          updatesBefore && JSON.stringify(h.slack.message(ch, incident.ts)?.blocks).includes('seen 3×'),
      { what: 'incident card updated', timeoutMs: 20_000 },
    );
    expect(cardsWith(seq.id)).toHaveLength(1);
    expect(
      h.slack.messages(ch).filter((m) => (m.text ?? '').includes('incident AttackSequence')),
    ).toHaveLength(1);
  }, 90_000);

  it('CreateSampleFindings produces a sample ECS attack sequence citing sample runtime findings', async () => {
    const { GuardDutyClient, CreateSampleFindingsCommand } = await import('@aws-sdk/client-guardduty');
    const gd = await h.guard.ctx.aws.guardDuty({ region: 'us-east-1' });
    const detectorId = (await h.guard.ctx.poller.detectorId(
      gd as InstanceType<typeof GuardDutyClient>,
      'us-east-1',
    ))!;
    await gd.send(
      new CreateSampleFindingsCommand({
        DetectorId: detectorId,
        FindingTypes: ['AttackSequence:ECS/CompromisedCluster'],
      }),
    );
    const seq = h.aws.state
      .findingsIn('us-east-1')
      .filter((f) => f.type === 'AttackSequence:ECS/CompromisedCluster')
      .at(-1)!;
    const signals = (seq.service.detection as { sequence: { signals: { uid: string }[] } }).sequence.signals;
    expect(signals).toHaveLength(3);
    for (const s of signals)
      expect(h.aws.state.getFinding(s.uid.split('/').pop()!)?.associatedAttackSequenceArn).toBe(seq.arn);
  });
});
