// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose and Dockerfile ${VAR} syntax
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// Docker is not available in CI; these checks keep the files consistent with the code by reading them.
const root = fileURLToPath(new URL('../../', import.meta.url));
const text = (f: string) => readFileSync(`${root}${f}`, 'utf8');
const pkg = JSON.parse(text('package.json')) as {
  main: string;
  engines: { node: string };
  scripts: { start: string };
};

/** Dockerfile instructions with line continuations joined and comments dropped. */
function instructions(dockerfile: string): { op: string; args: string }[] {
  return dockerfile
    .replace(/\\\n(\s*#.*\n)*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

describe('Dockerfile', () => {
  const ins = instructions(text('Dockerfile'));
  const stages = ins.filter((i) => i.op === 'FROM');
  const runtimeStart = ins.indexOf(stages[stages.length - 1] as { op: string; args: string });
  const runtime = ins.slice(runtimeStart);

  it('builds in one stage and ships a Node 22 slim runtime stage', () => {
    expect(stages).toHaveLength(2);
    const image = ins.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='))?.args;
    // Pinned by digest: a re-pushed tag cannot change what ships.
    expect(image).toMatch(/^NODE_IMAGE=node:22-bookworm-slim@sha256:[0-9a-f]{64}$/);
    const build = ins.slice(0, runtimeStart).map((i) => i.args);
    expect(build).toContain('npm ci --no-audit --no-fund');
    expect(build.some((a) => a.startsWith('npm run build'))).toBe(true);
  });

  it('installs production dependencies only, copies dist/ and runs as node', () => {
    const args = runtime.map((i) => `${i.op} ${i.args}`);
    expect(args.some((a) => /^RUN npm ci --omit=dev\b/.test(a))).toBe(true);
    expect(args).toContain('COPY --from=build /app/dist ./dist');
    expect(args.some((a) => /^ENV NODE_ENV=production\b/.test(a))).toBe(true);
    // Numeric, so runAsNonRoot-style checks can verify it is not root: the image's `node` user.
    expect(args).toContain('USER 1000:1000');
    expect(args).toContain('EXPOSE 3000');
    // The user switch comes after every install step, before the process starts.
    expect(args.indexOf('USER 1000:1000')).toBeGreaterThan(args.findIndex((a) => a.startsWith('RUN npm ci')));
  });

  it('labels the image (OCI) with its version and revision, and says how to pin the base by digest', () => {
    const labels = runtime
      .filter((i) => i.op === 'LABEL')
      .map((i) => i.args)
      .join(' ');
    for (const k of ['title', 'description', 'licenses', 'version', 'revision', 'base.name'])
      expect(labels).toContain(`org.opencontainers.image.${k}=`);
    expect(labels).toContain('org.opencontainers.image.version="${VERSION}"');
    const version = ins.find((i) => i.op === 'ARG' && i.args.startsWith('VERSION='))?.args;
    expect(version).toBe(`VERSION=${(JSON.parse(text('package.json')) as { version: string }).version}`);
    expect(text('Dockerfile')).toMatch(/NODE_IMAGE=node:22-bookworm-slim@sha256:<that digest>/);
  });

  it('starts the same entry point as npm start and health-checks /healthz without curl', () => {
    const cmd = runtime.find((i) => i.op === 'CMD');
    // Exactly `npm start` (heap limits included), ending in the package's main.
    expect((JSON.parse(cmd?.args ?? 'null') as string[]).join(' ')).toBe(pkg.scripts.start);
    expect(pkg.scripts.start.endsWith(pkg.main)).toBe(true);
    const hc = runtime.find((i) => i.op === 'HEALTHCHECK')?.args ?? '';
    expect(hc).toMatch(/CMD \["node", "-e", /);
    expect(hc).toContain("'http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz'");
    expect(hc).not.toMatch(/curl|wget/);
  });
});

describe('.dockerignore', () => {
  const lines = text('.dockerignore')
    .split('\n')
    .map((l) => l.trim());
  it('keeps secrets, local state and build output out of the image context', () => {
    for (const p of ['.env', '.git', 'node_modules', 'dist']) expect(lines).toContain(p);
    // No emulator, test or benchmark code enters the image's build context.
    for (const p of ['sandbox', 'test', 'bench', 'build']) expect(lines).toContain(p);
    // The build needs these.
    for (const p of ['src', 'commands', 'package.json', 'package-lock.json', 'tsconfig.json']) {
      expect(lines).not.toContain(p);
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(text('docker-compose.yml')) as {
    services: Record<string, Record<string, unknown>>;
    volumes: Record<string, unknown>;
  };
  const bot = compose.services['ecs-guard'] ?? {};
  const redis = compose.services.redis ?? {};

  it('runs Redis 7 durably: AOF fsync every second, noeviction, on a volume', () => {
    expect(redis.image).toMatch(/^redis:7/);
    const cmd = (redis.command as string[]).join(' ');
    expect(cmd).toContain('--appendonly yes');
    expect(cmd).toContain('--appendfsync everysec');
    expect(cmd).toContain('--maxmemory-policy noeviction');
    // noeviction only engages with a limit; the container limit leaves room above it.
    expect(cmd).toMatch(/--maxmemory \d+mb/);
    expect(Number(/--maxmemory (\d+)mb/.exec(cmd)?.[1])).toBeLessThan(
      Number.parseInt(String(redis.mem_limit), 10),
    );
    // A password is required, from .env; the health check authenticates through REDISCLI_AUTH.
    expect(cmd).toContain('--requirepass ${REDIS_PASSWORD:?set REDIS_PASSWORD in .env}');
    expect((redis.environment as Record<string, string>).REDISCLI_AUTH).toContain('${REDIS_PASSWORD');
    expect(redis.ports).toBeUndefined();
    expect(redis.volumes).toEqual(['redis-data:/data']);
    expect(compose.volumes).toHaveProperty('redis-data');
    expect((redis.healthcheck as { test: string[] }).test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('starts the bot after Redis is healthy, with .env and a /healthz check', () => {
    expect(bot.build).toBe('.');
    expect(bot.env_file).toBe('.env');
    expect((bot.environment as Record<string, string>).REDIS_URL).toBe(
      'redis://:${REDIS_PASSWORD:?set REDIS_PASSWORD in .env}@redis:6379',
    );
    // Published on loopback only: /metrics, /healthz and /readyz are not reachable from outside.
    expect(bot.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(bot.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(JSON.stringify(bot.healthcheck)).toContain('/healthz');
    expect(bot.stop_signal).toBe('SIGTERM');
  });
});
