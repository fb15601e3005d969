import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HealthChecks, registerHealthRoutes, safeReason } from '../../src/http/health.js';
import { createMetrics } from '../../src/metrics.js';
import { testRedis } from '../helpers/redis.js';

const redis = testRedis();
// A client for a port nothing listens on: the real "Redis unreachable" failure.
const deadRedis = new Redis('redis://127.0.0.1:1', {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
});
deadRedis.on('error', () => {});

const metrics = createMetrics();
// Each test swaps in its own behaviour; the routes call through to whatever is current.
let impl: HealthChecks;
const healthy = (): HealthChecks => ({
  redis: async () => {
    await redis.ping();
  },
  slack: async () => {},
  aws: async () => {},
});
const checks: HealthChecks = {
  redis: () => impl.redis(),
  slack: () => impl.slack(),
  aws: () => impl.aws(),
};

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  const router = express.Router();
  registerHealthRoutes(router, checks, metrics, { timeoutMs: 200 });
  app.use(router);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  redis.disconnect();
  deadRedis.disconnect();
});

beforeEach(() => {
  impl = healthy();
});

describe('health routes', () => {
  it('GET /healthz answers 200 without running any check', async () => {
    let ran = false;
    impl.redis = async () => {
      ran = true;
      throw new Error('down');
    };
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(ran).toBe(false);
  });

  it('GET /readyz answers 200 with details when every check passes (real Redis PING)', async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks).sort()).toEqual(['aws', 'redis', 'slack']);
    expect(Object.values(body.checks).every((c) => c.ok)).toBe(true);
  });

  it('GET /readyz answers 503 naming the failing checks and why', async () => {
    impl.redis = async () => {
      await deadRedis.ping();
    };
    impl.slack = async () => {
      throw new Error('invalid_auth for token xoxb-123-secret');
    };
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      status: string;
      failing: string[];
      checks: Record<string, { ok: boolean; error?: string }>;
    };
    expect(body.status).toBe('unavailable');
    expect(body.failing.sort()).toEqual(['redis', 'slack']);
    expect(body.checks.aws?.ok).toBe(true);
    expect(body.checks.redis?.error).toBeTruthy();
    expect(body.checks.slack?.error).toContain('invalid_auth');
    expect(JSON.stringify(body)).not.toContain('xoxb-123-secret');
  });

  it('GET /readyz bounds each check by the timeout', async () => {
    impl.aws = () => new Promise<void>(() => {});
    const started = Date.now();
    const res = await fetch(`${base}/readyz`);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { failing: string[]; checks: Record<string, { error?: string }> };
    expect(body.failing).toEqual(['aws']);
    expect(body.checks.aws?.error).toMatch(/timed out after 200 ms/);
  });

  it('a check that throws synchronously is a failure, not a crash', async () => {
    impl.aws = () => {
      throw new Error('no credentials');
    };
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { failing: string[] }).failing).toEqual(['aws']);
  });

  it('GET /metrics serves Prometheus text with the registry content type', async () => {
    metrics.findingsIngested.inc({ source: 'push' }, 2);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('ecs_guard_findings_ingested_total{source="push"} 2');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('ecs_guard_ready 1');
    expect(text).toContain('ecs_guard_readiness_check{check="redis"} 1');
  });

  it('GET /metrics reports readiness as of the scrape: a failing check sets the gauges to 0', async () => {
    impl.redis = () => deadRedis.ping().then(() => {});
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('ecs_guard_ready 0');
    expect(text).toContain('ecs_guard_readiness_check{check="redis"} 0');
    expect(text).toContain('ecs_guard_readiness_check{check="slack"} 1');
  });
});

describe('safeReason', () => {
  it('masks URL credentials and Slack tokens and bounds the length', () => {
    expect(safeReason(new Error('connect to redis://:hunter2@cache:6379 failed'))).toBe(
      'connect to redis://***@cache:6379 failed',
    );
    expect(safeReason(new Error('bad xapp-1-A0-abc'))).toBe('bad x***');
    expect(safeReason('x'.repeat(1000))).toHaveLength(300);
  });
});
