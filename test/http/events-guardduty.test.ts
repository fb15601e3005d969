import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor, makeFinding } from '../../sandbox/aws/index.js';
import { type Harness, INGEST_TOKEN, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

const REGION = 'us-east-1';
const event = (detail: unknown) => ({ 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', detail });
const hex = () => randomBytes(16).toString('hex');

async function push(h: Harness, body: unknown, token = INGEST_TOKEN): Promise<Response> {
  return fetch(`${h.baseUrl}/events/guardduty`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function metric(h: Harness, outcome: string): Promise<number> {
  const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
  const m = new RegExp(`ecs_guard_pushed_events_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text);
  return Number(m?.[1] ?? 0);
}

const cardsFor = (h: Harness, id: string) =>
  h.slack.messages(PEOPLE.alerts).filter((m) => JSON.stringify(m.blocks ?? []).includes(id));

/** Waits until every hint was verified and the outbox had time to post what it would. */
async function settled(h: Harness): Promise<void> {
  await waitFor(async () => (await h.guard.ctx.pushes.waiting(REGION)) === 0, {
    what: 'hints verified',
    timeoutMs: 40_000,
  });
  await new Promise((r) => setTimeout(r, 600));
}

describe('POST /events/guardduty: a push is a hint, verified with GetFindings', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      guard: { ingestLimits: { bodyTimeoutMs: 400, maxConcurrent: 3 } },
    });
  });
  afterAll(async () => {
    await h?.close();
  });
  const web = () => h.estate.services.web!;

  it('posts nothing for a finding GuardDuty never had: logged and counted as unknown', async () => {
    const forged = makeFinding({
      type: 'Execution:Runtime/ReverseShell',
      task: web().tasks[0]!,
      severity: 9,
    });
    const before = await metric(h, 'unknown');
    const res = await push(h, event(forged));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, queued: 1, verification: 'GetFindings' });
    await settled(h);
    expect(await metric(h, 'unknown')).toBe(before + 1);
    expect(cardsFor(h, forged.id)).toEqual([]);
    expect(await h.guard.ctx.findings.getByIds([forged.id])).toEqual([[]]);
    const gets = h.aws.calls({ operation: 'GetFindings' });
    expect(gets.some((c) => JSON.stringify(c.input).includes(forged.id))).toBe(true);
  });

  it("ingests GuardDuty's copy of a pushed finding, not the pushed body", async () => {
    const real = addFindingFor(h.aws.state, {
      type: 'Impact:Runtime/CryptoMinerExecuted',
      task: web().tasks[1]!,
      severity: 8,
    });
    // The push names the real id but claims another task, a huge count and "archived".
    // biome-ignore lint/suspicious/noExplicitAny: the test rewrites wire JSON freely
    const lie = structuredClone(real) as Record<string, any>;
    lie.resource.ecsClusterDetails.taskDetails.arn = web().tasks[2]!.taskArn;
    lie.service.count = 99_999;
    lie.service.archived = true;
    lie.title = 'Nothing to see';
    expect((await push(h, [event(lie)])).status).toBe(202);
    const card = await waitFor(() => cardsFor(h, real.id)[0], { what: 'card of the verified finding' });
    const text = JSON.stringify(card.blocks);
    expect(text).toContain(web().tasks[1]!.taskArn.split('/').pop());
    expect(text).not.toContain('Nothing to see');
    expect(text).not.toContain('99999');
    const rec = (await h.guard.ctx.findings.getByIds([real.id]))[0]?.[0];
    expect(rec?.finding).toMatchObject({
      count: real.service.count,
      archived: false,
      taskArn: web().tasks[1]!.taskArn,
    });
  });

  it('refuses accounts outside the detector and its members, and regions outside ECS_GUARD_REGIONS', async () => {
    const outsider = addFindingFor(h.aws.state, {
      type: 'Execution:Runtime/ReverseShell',
      task: web().tasks[0]!,
      severity: 8,
    });
    const gets = () => h.aws.calls({ operation: 'GetFindings' }).length;
    const refusedBefore = await metric(h, 'refused-account');
    const calls = gets();
    const res = await push(h, [
      event({ ...outsider, accountId: '999988887777' }),
      event({ ...outsider, id: hex(), region: 'eu-west-1' }),
      event({ ...outsider, id: hex(), region: 'us-east-1"<x>' }),
      event({ ...outsider, id: '../../etc', accountId: '1' }),
    ]);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { queued: number; ignored: { reason: string }[] };
    expect(body.queued).toBe(1);
    expect(body.ignored.map((i) => i.reason)).toEqual([
      'event 1: refused: region eu-west-1 is not in ECS_GUARD_REGIONS',
      'event 2: refused: region is not an AWS region name',
      'event 3: refused: finding id missing or malformed',
    ]);
    await settled(h);
    expect(await metric(h, 'refused-account')).toBe(refusedBefore + 1);
    expect(gets()).toBe(calls); // refused before any GetFindings
    expect(cardsFor(h, outsider.id)).toEqual([]);
    // The member list is read once and cached.
    expect(h.aws.calls({ operation: 'ListMembers' }).length).toBe(1);
  });

  it('checks the token from the headers before reading the body', async () => {
    // A 200 MB upload that never comes: refused at once, nothing read.
    const res = await rawPost(h, {
      authorization: 'Bearer wrong',
      'content-length': String(200 * 1024 * 1024),
    });
    expect(res.status).toBe(401);
    expect(res.ms).toBeLessThan(300);
  });

  it('caps the body at 256 KB (413), by its declared length and while streaming', async () => {
    const big = { authorization: `Bearer ${INGEST_TOKEN}`, 'content-length': String(256 * 1024 + 1) };
    expect((await rawPost(h, big)).status).toBe(413);
    const chunked = await rawPost(h, { authorization: `Bearer ${INGEST_TOKEN}` }, [
      Buffer.alloc(200 * 1024, 0x20),
      Buffer.alloc(100 * 1024, 0x20),
    ]);
    expect(chunked.status).toBe(413);
  });

  it('caps the events per request (413)', async () => {
    const res = await push(
      h,
      Array.from({ length: 101 }, () => event({ id: hex() })),
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'too_many_events' });
  });

  it('times out a slow upload (408) and caps concurrent uploads (429 with Retry-After)', async () => {
    const auth = { authorization: `Bearer ${INGEST_TOKEN}`, 'content-length': '1000' };
    // Three uploads that send a few bytes and stall hold the three reading slots…
    const slow = [0, 1, 2].map(() => rawPost(h, auth, [Buffer.from('[{"a":')], { stall: true }));
    await new Promise((r) => setTimeout(r, 100));
    // …so a fourth is turned away at once.
    const busy = await rawPost(h, auth, [Buffer.from('[')], { stall: true });
    expect(busy.status).toBe(429);
    expect(busy.headers['retry-after']).toBe('1');
    for (const r of await Promise.all(slow)) {
      expect(r.status).toBe(408);
      expect(r.ms).toBeGreaterThanOrEqual(350);
    }
    // The slots are free again.
    const ok = await push(h, event({ id: hex(), accountId: h.aws.homeAccountId, region: REGION }));
    expect(ok.status).toBe(202);
    await settled(h);
  });

  it('a flood of 10,000 fake high-severity pushes does not push a real polled finding back', async () => {
    const task = web().tasks[0]!;
    // Small fakes (id, account, region, severity 10), so 100 fit in one request.
    const account = h.aws.homeAccountId;
    const fakes = Array.from({ length: 10_000 }, () =>
      event({
        id: hex(),
        accountId: account,
        region: REGION,
        severity: 10,
        type: 'Execution:Runtime/ReverseShell',
      }),
    );
    // Real findings the earlier tests left in GuardDuty get their cards first.
    await h.guard.ctx.poller.poll(REGION);
    await waitFor(async () => (await h.guard.ctx.findings.backlog(PEOPLE.alerts)) === 0, {
      what: 'outbox empty',
    });
    await new Promise((r) => setTimeout(r, 1500));
    const posted = h.slack.messages(PEOPLE.alerts).length;
    const statuses: number[] = [];
    for (let i = 0; i < fakes.length; i += 100)
      statuses.push((await push(h, fakes.slice(i, i + 100))).status);
    // The verification queue is bounded: the flood beyond it is refused (429), not buffered.
    expect(statuses.filter((s) => s === 202).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 202 || s === 429)).toBe(true);

    // Fakes never reach a channel's outbox: it is empty while they wait for verification…
    expect(await h.guard.ctx.pushes.waiting(REGION)).toBeGreaterThan(0);
    expect(await h.guard.ctx.findings.backlog(PEOPLE.alerts)).toBe(0);
    const real = addFindingFor(h.aws.state, {
      type: 'Execution:Runtime/NewBinaryExecuted',
      task,
      severity: 5,
    });
    await h.guard.ctx.poller.poll(REGION);
    // …so the real (lower-severity) finding is first in line, and its card is the next one posted.
    expect(await h.guard.ctx.findings.backlog(PEOPLE.alerts)).toBeLessThanOrEqual(1);
    await waitFor(() => cardsFor(h, real.id)[0], { what: 'card of the real finding', timeoutMs: 30_000 });
    expect(
      h.slack
        .messages(PEOPLE.alerts)
        .slice(posted)
        .map((m) => m.ts),
    ).toEqual([cardsFor(h, real.id)[0]?.ts]);
    // Every fake verified (or refused at the door) and none ever posted.
    await settled(h);
    expect(h.slack.messages(PEOPLE.alerts)).toHaveLength(posted + 1);
    expect(await metric(h, 'unknown')).toBeGreaterThanOrEqual(statuses.filter((s) => s === 202).length);
  }, 120_000);
});

/** A POST written by hand (headers first, body parts later or never) to see what the server does. */
function rawPost(
  h: Harness,
  headers: Record<string, string>,
  parts: Buffer[] = [],
  opts: { stall?: boolean } = {},
): Promise<{ status: number; ms: number; headers: Record<string, string | string[] | undefined> }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(`${h.baseUrl}/events/guardduty`, { method: 'POST', headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, ms: Date.now() - t0, headers: res.headers });
      req.destroy();
    });
    req.on('error', (err) => reject(err));
    req.flushHeaders();
    for (const p of parts) req.write(p);
    if (!opts.stall && !headers['content-length']) req.end();
  });
}
