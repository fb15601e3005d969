import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRateLimited } from '../../src/slack/pacing/index.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';

// The counters behind GET /metrics count the Slack calls the bot really makes: through
// `client.chat.postMessage` (a method @slack/web-api bound at construction), through Bolt's own
// clients, and every 429, each checked against what the Slack emulator recorded.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${h.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
const POSTS = 'ecs_guard_slack_calls_total{method="chat.postMessage"}';
const POSTS_429 = 'ecs_guard_slack_rate_limited_total{method="chat.postMessage"}';

describe('GET /metrics counts real Slack traffic', () => {
  it('counts each chat.postMessage made through client.chat.postMessage, as Slack saw it', async () => {
    const before = sample(await scrape(), POSTS);
    const seenBefore = h.slack.calls('chat.postMessage').length;
    // Two channels, and a pause past Slack's 1 post/s per channel before the third post.
    await h.guard.ctx.slack.chat.postMessage({ channel: PEOPLE.alerts, text: 'm1' });
    await h.guard.ctx.slack.chat.postMessage({ channel: PEOPLE.prod, text: 'm2' });
    await new Promise((r) => setTimeout(r, 1100));
    await h.guard.ctx.slack.chat.postMessage({ channel: PEOPLE.alerts, text: 'm3' });
    const after = sample(await scrape(), POSTS);
    const seen = h.slack.calls('chat.postMessage').length - seenBefore;
    expect(seen).toBe(3);
    expect(after - before).toBe(seen);
  });

  it('counts a 429 by method, and the rejected call itself', async () => {
    const text0 = await scrape();
    h.slack.faults.inject({ method: 'chat.postMessage', kind: '429', retryAfter: 1 });
    const err = await h.guard.ctx.slack.chat
      .postMessage({ channel: PEOPLE.alerts, text: 'x' })
      .catch((e) => e);
    expect(isRateLimited(err)).toBe(true);
    const text1 = await scrape();
    expect(sample(text1, POSTS_429) - sample(text0, POSTS_429)).toBe(1);
    expect(sample(text1, POSTS) - sample(text0, POSTS)).toBe(1);
  });

  it("counts the calls of Bolt's own clients (listeners' client)", async () => {
    const series = 'ecs_guard_slack_calls_total{method="chat.postEphemeral"}';
    const before = sample(await scrape(), series);
    await h.guard.bolt.client.chat.postEphemeral({
      token: h.slack.botToken,
      channel: PEOPLE.alerts,
      user: PEOPLE.requester,
      text: 'only you',
    });
    expect(sample(await scrape(), series) - before).toBe(1);
  });

  it('exposes build info (version, mode) and readiness gauges', async () => {
    const text = await scrape();
    expect(sample(text, `ecs_guard_build_info{version="${h.guard.ctx.version}",mode="http"}`)).toBe(1);
    expect(sample(text, 'ecs_guard_ready')).toBe(1);
    expect(sample(text, 'ecs_guard_readiness_check{check="redis"}')).toBe(1);
  });
});
