import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor } from '../../sandbox/aws/index.js';
import {
  type BotProcess,
  type Emulators,
  INGEST_TOKEN,
  PEOPLE,
  startBotProcess,
  startEmulators,
} from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';
import { buttonsOf, cardsMentioning, postedCards } from './flows.js';

// Issue 3 against the built process (`node dist/src/main.js`, polling every second): seeded
// findings become cards in the routed channel; restarts and a second replica never post twice;
// hostile finding text renders escaped and within Block Kit limits; the EventBridge endpoint
// guards itself. Needs `npx tsc` first.
describe('alerts end to end (built process)', () => {
  let emus: Emulators;
  let env: Record<string, string>;
  const bots: BotProcess[] = [];
  const svc = (name: string) => {
    const s = emus.estate.services[name];
    if (!s) throw new Error(`no service ${name}`);
    return s;
  };
  /** ListFindings calls so far: each is one poll by some replica. */
  const polls = () => emus.aws.calls({ operation: 'ListFindings' }).length;

  beforeAll(async () => {
    emus = await startEmulators();
    const dir = mkdtempSync(join(tmpdir(), 'ecs-guard-e2e-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      `routes:\n  - channel: ${PEOPLE.prod}\n    clusters: ["prod-*"]\n    minSeverity: high\n`,
    );
    env = { ...emus.env, ECS_GUARD_POLL_SECONDS: '1', ECS_GUARD_CONFIG: policy };
    bots.push(await startBotProcess(env));
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(bots.map((b) => b.stop('SIGKILL')));
    await emus?.close();
  });

  it('a seeded finding appears in the routed channel with its context and the three buttons', async () => {
    const task = svc('web').tasks[0];
    if (!task) throw new Error('no task');
    const f = addFindingFor(emus.aws.state, { type: 'Execution:Runtime/ReverseShell', task, severity: 8 });
    const card = await waitFor(() => cardsMentioning(emus.slack, PEOPLE.prod, f.id)[0], {
      what: 'card in #prod-security',
      timeoutMs: 15_000,
    });
    expect(cardsMentioning(emus.slack, PEOPLE.alerts, f.id)).toHaveLength(0);
    const text = JSON.stringify(card.blocks);
    const taskId = task.taskArn.split('/').pop() as string;
    const container = task.containers.find((c) => !c.name.startsWith('aws-guardduty-agent'));
    for (const want of [
      'Execution:Runtime/ReverseShell',
      'prod-web', // cluster
      '`web`', // service
      taskId,
      `\`${container?.name}\``,
      container?.image as string,
      '`nc`', // process of a reverse shell
      'HIGH', // the severity word in the header
    ]) {
      expect(text, want).toContain(want);
    }
    expect(card.text).toContain('Execution:Runtime/ReverseShell');
    const buttons = buttonsOf(card.blocks);
    expect(buttons.map((b) => b.text?.text)).toEqual([
      'Stop task',
      'Archive',
      'Contain',
      'Suppress similar',
      'ECS context',
    ]);
    const stop = buttons.find((b) => b.action_id === 'stop_task') as { style?: string; confirm?: unknown };
    expect(stop.style).toBe('danger');
    expect(stop.confirm).toBeTruthy();
    expect((buttons.find((b) => b.action_id === 'archive') as { confirm?: unknown }).confirm).toBeTruthy();
    // A lower-severity finding on the same cluster goes to the catch-all channel.
    const low = addFindingFor(emus.aws.state, {
      type: 'Discovery:Runtime/SuspiciousCommand',
      task: svc('web').tasks[1] as typeof task,
      severity: 2,
    });
    await waitFor(() => cardsMentioning(emus.slack, PEOPLE.alerts, low.id)[0], {
      what: 'low finding in #security-alerts',
      timeoutMs: 15_000,
    });
    expect(cardsMentioning(emus.slack, PEOPLE.prod, low.id)).toHaveLength(0);
  });

  it('a restart posts nothing twice', async () => {
    const before = postedCards(emus.slack).length;
    const [old] = bots.splice(0, 1);
    expect(await old?.stop('SIGTERM')).toBe(0);
    bots.push(await startBotProcess(env));
    // The restarted bot polls over the same window (cursor minus overlap) several times.
    const p0 = polls();
    await waitFor(() => polls() >= p0 + 3, { what: 'three polls after the restart', timeoutMs: 15_000 });
    expect(postedCards(emus.slack).length).toBe(before);
  });

  it('two bot processes on one Redis post each finding once', async () => {
    bots.push(await startBotProcess(env));
    expect(bots).toHaveLength(2);
    const seeded = [
      addFindingFor(emus.aws.state, {
        type: 'Execution:Runtime/NewBinaryExecuted',
        task: svc('api').tasks[0] as never,
        severity: 5,
      }),
      addFindingFor(emus.aws.state, {
        type: 'Impact:Runtime/CryptoMinerExecuted',
        task: svc('worker').tasks[0] as never,
        severity: 8,
      }),
      addFindingFor(emus.aws.state, {
        type: 'PrivilegeEscalation:Runtime/DockerSocketAccessed',
        task: svc('legacy').tasks[0] as never,
        severity: 7,
      }),
      addFindingFor(emus.aws.state, {
        type: 'Execution:Runtime/ReverseShell',
        task: svc('payments').tasks[0] as never,
        severity: 8,
      }),
    ];
    const all = () => [PEOPLE.alerts, PEOPLE.prod].flatMap((ch) => emus.slack.messages(ch));
    await waitFor(() => seeded.every((f) => all().some((m) => JSON.stringify(m.blocks).includes(f.id))), {
      what: 'a card for each of the four findings',
      timeoutMs: 20_000,
    });
    // One poll per interval however many replicas run: 4 polls take about 4 s, not 2.
    const p0 = polls();
    const t0 = Date.now();
    await waitFor(() => polls() >= p0 + 4, { what: 'more polls with both replicas up', timeoutMs: 15_000 });
    expect(Date.now() - t0).toBeGreaterThan(2_500);
    for (const f of seeded) {
      const posts = postedCards(emus.slack).filter((p) => p.text.includes(f.id));
      expect(posts, f.id).toHaveLength(1);
    }
    // Both replicas stayed up and healthy throughout.
    for (const b of bots) expect((await fetch(`${b.baseUrl}/healthz`)).status).toBe(200);
  });

  it('hostile finding text renders escaped and within Block Kit limits', async () => {
    const hostile = [
      '<!channel>',
      '<!here>',
      '<https://evil.example|click>',
      '@here',
      '<@U0ECSBOT>',
      '```',
      '`tick`',
      '*bold*',
      '_it_',
      '~strike~',
      '&amp;',
      '🔥🧨',
      'שלום עולם \u202eRTL\u202c',
    ].join(' ');
    const f = addFindingFor(emus.aws.state, {
      type: 'Execution:Runtime/SuspiciousCommand',
      task: svc('web').tasks[2] as never,
      severity: 9,
      process: {
        name: `sh ${hostile}`.slice(0, 200),
        executablePath: `/tmp/${hostile}`,
        commandLine: `${hostile} ${'A'.repeat(10_000)} ${hostile}`,
        user: '<!channel>',
      },
      context: {
        commandLineExample: `curl <https://evil.example|click> ${'x'.repeat(5_000)}`,
        note: hostile,
      },
    });
    const card = await waitFor(() => cardsMentioning(emus.slack, PEOPLE.prod, f.id)[0], {
      what: 'card for the hostile finding',
      timeoutMs: 15_000,
    });
    // The card is short; the full process and context are in its one Details thread reply.
    const details = await waitFor(
      () => emus.slack.thread(PEOPLE.prod, card.ts).find((m) => (m.text ?? '').startsWith('Details:')),
      { what: 'Details reply of the hostile card', timeoutMs: 15_000 },
    );
    const posts = emus.slack.calls('chat.postMessage');
    expect(posts.filter((c) => !c.ok).map((c) => c.error)).toEqual([]);
    expect(emus.slack.calls().some((c) => c.error === 'invalid_blocks')).toBe(false);
    const everything = [card, details].map((m) => `${m.text}\n${JSON.stringify(m.blocks)}`).join('\n');
    for (const bad of ['<!channel>', '<!here>', '<https://evil', '<@U0ECSBOT>']) {
      expect(everything, bad).not.toContain(bad);
    }
    expect(everything).toContain('&lt;!channel&gt;');
    // Truncated with a marker, not dropped: the start of the command line is there.
    expect(everything).not.toContain('A'.repeat(3_000));
    expect(everything).toMatch(/AAAA…|AAAA\.\.\.|truncated/);
    expect(everything).toContain('🔥');
    expect(everything).toContain('שלום');
  });

  it('guards the EventBridge endpoint: 401, 400, 202', async () => {
    const url = `${bots[0]?.baseUrl}/events/guardduty`;
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const auth = { authorization: `Bearer ${INGEST_TOKEN}` };
    expect((await post('{}')).status).toBe(401);
    expect((await post('{}', { authorization: 'Bearer not-the-token-at-all' })).status).toBe(401);
    expect((await post('{}', { authorization: INGEST_TOKEN })).status).toBe(401);

    const bad = await post('{"detail": ', auth);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { reason: string }).reason).toMatch(/JSON/);
    const noDetail = await post(
      JSON.stringify({ 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty' }),
      auth,
    );
    expect(noDetail.status).toBe(400);
    expect(((await noDetail.json()) as { reason: string }).reason).toMatch(/detail/);

    const ec2 = await post(
      JSON.stringify({
        'detail-type': 'GuardDuty Finding',
        source: 'aws.guardduty',
        detail: {
          id: 'ec2finding1',
          type: 'Recon:EC2/PortProbeUnprotectedPort',
          accountId: emus.estate.homeAccountId,
          region: 'us-east-1',
          severity: 5,
          resource: { resourceType: 'Instance' },
          createdAt: new Date().toISOString(),
          updatedAt: new Date().toISOString(),
          service: {},
        },
      }),
      auth,
    );
    // Accepted for verification only: GuardDuty does not have it, so nothing is posted.
    expect(ec2.status).toBe(202);
    expect(await ec2.json()).toMatchObject({ accepted: 1, queued: 1 });
    const other = await post(
      JSON.stringify({ 'detail-type': 'EC2 Instance State-change Notification', detail: {} }),
      auth,
    );
    expect(other.status).toBe(202);
    expect(cardsMentioning(emus.slack, PEOPLE.alerts, 'ec2finding1')).toHaveLength(0);
  });
});
