import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerHealthRoutes } from '../../src/http/health.js';
import { isInsideAddress, metricsRefusal } from '../../src/http/metrics-access.js';
import { createMetrics } from '../../src/metrics.js';

const TOKEN = 'metrics-token-0123456789';
const ok = async () => {};

async function serve(metricsToken?: string) {
  const app = express();
  registerHealthRoutes(
    app,
    { redis: ok, slack: ok, aws: ok },
    createMetrics({ defaultMetrics: false }),
    metricsToken ? { metricsToken } : {},
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('GET /metrics: only from inside unless ECS_GUARD_METRICS_TOKEN is set', () => {
  let open: Awaited<ReturnType<typeof serve>>;
  let locked: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    open = await serve();
    locked = await serve(TOKEN);
  });
  afterAll(() => {
    open.server.close();
    locked.server.close();
  });

  it('without a token: a local scraper reads it; a request a proxy forwarded (from outside) is refused', async () => {
    expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
    for (const [h, v] of [
      ['x-forwarded-for', '203.0.113.9'],
      ['forwarded', 'for=203.0.113.9'],
      ['x-real-ip', '203.0.113.9'],
    ]) {
      const res = await fetch(`${open.url}/metrics`, { headers: { [h as string]: v as string } });
      expect(res.status, h).toBe(403);
      expect(await res.text()).not.toContain('ecs_guard_');
    }
    // Health stays open: orchestrators and load balancers probe it.
    expect(
      (await fetch(`${open.url}/healthz`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status,
    ).toBe(200);
  });

  it('with a token: the bearer token is required, from anywhere', async () => {
    expect((await fetch(`${locked.url}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${locked.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-000000000' } }))
        .status,
    ).toBe(401);
    const res = await fetch(`${locked.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('ecs_guard_ready');
  });

  it('tells inside addresses from public ones', () => {
    for (const a of [
      '127.0.0.1',
      '::1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.1',
      '192.168.1.1',
      '169.254.170.2',
      '::ffff:10.0.0.5',
      'fd00::1',
      'fe80::1',
    ])
      expect(isInsideAddress(a), a).toBe(true);
    for (const a of ['203.0.113.9', '172.32.0.1', '8.8.8.8', '::ffff:8.8.8.8', '2001:db8::1', undefined])
      expect(isInsideAddress(a), String(a)).toBe(false);
    const req = (remoteAddress: string) => ({ header: () => undefined, socket: { remoteAddress } });
    expect(metricsRefusal(req('203.0.113.9'), undefined)?.status).toBe(403);
    expect(metricsRefusal(req('10.0.0.5'), undefined)).toBeUndefined();
  });
});
