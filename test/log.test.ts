import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

/** A destination that keeps every JSON line pino writes (pino writes synchronously to it). */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { stream, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const SECRETS = {
  botToken: 'xoxb-111-222-botsecretvalue',
  appToken: 'xapp-1-A1-333-appsecretvalue',
  signingSecret: 'signing-secret-value-444',
  ingestToken: 'ingest-token-value-555555',
  externalId: 'external-id-value-666',
  secretAccessKey: 'AWSSECRETKEYvalue777777777777777777777',
  sessionToken: 'IQoJb3JpZ2luX2VjSESSIONTOKENvalue888',
};

describe('createLogger', () => {
  it('writes one JSON object per line with a label level, ISO time and the service name', () => {
    const c = capture();
    const log = createLogger({ level: 'info', destination: c.stream });
    log.info({ findingId: 'f-1' }, 'card posted');
    const [r] = c.records();
    expect(r).toMatchObject({ level: 'info', service: 'ecs-guard', findingId: 'f-1', msg: 'card posted' });
    expect(String(r?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('honours the level it is given and LOG_LEVEL when none is given', () => {
    const c = capture();
    const log = createLogger({ level: 'warn', destination: c.stream });
    log.info('hidden');
    log.debug('hidden');
    log.warn('shown');
    expect(c.records().map((r) => r.msg)).toEqual(['shown']);

    const before = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'debug';
    try {
      const d = capture();
      createLogger({ destination: d.stream }).debug('visible at debug');
      expect(d.records().map((r) => r.msg)).toEqual(['visible at debug']);
    } finally {
      if (before === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = before;
    }
  });

  it('redacts tokens, secrets and credentials at the top level and one level down', () => {
    const c = capture();
    const log = createLogger({ level: 'trace', destination: c.stream });
    log.info({ ...SECRETS, token: SECRETS.botToken, password: 'hunter2-password' }, 'top level');
    log.info({ slack: { botToken: SECRETS.botToken, appToken: SECRETS.appToken } }, 'nested slack');
    log.info({ cfg: { signingSecret: SECRETS.signingSecret, ingestToken: SECRETS.ingestToken } }, 'nested');
    log.info({ role: { externalId: SECRETS.externalId } }, 'assume role');
    // AWS SDK shapes: STS AssumeRole output, and resolved credential identities.
    log.info(
      {
        out: {
          Credentials: { AccessKeyId: 'ASIA1', SecretAccessKey: SECRETS.secretAccessKey },
        },
      },
      'sdk output',
    );
    log.info(
      { identity: { secretAccessKey: SECRETS.secretAccessKey, sessionToken: SECRETS.sessionToken } },
      'identity',
    );
    log.info({ credentials: { secretAccessKey: SECRETS.secretAccessKey } }, 'credentials object');
    log.info(
      { req: { headers: { authorization: `Bearer ${SECRETS.ingestToken}`, 'x-slack-signature': 'v0=abc' } } },
      'request',
    );
    log.info({ headers: { authorization: `Bearer ${SECRETS.botToken}` } }, 'headers');
    const out = c.lines.join('\n');
    for (const [name, value] of Object.entries(SECRETS)) expect(out, name).not.toContain(value);
    expect(out).not.toContain('hunter2-password');
    expect(out).not.toContain('v0=abc');
    expect(out).toContain('[redacted]');
    // Redaction keeps the record shape: the key stays, its value is censored.
    const top = c.records()[0] as Record<string, unknown>;
    expect(top.botToken).toBe('[redacted]');
    expect(top.sessionToken).toBe('[redacted]');
  });

  it('redaction also applies to child loggers and their bindings', () => {
    const c = capture();
    const child = createLogger({ level: 'info', destination: c.stream }).child({
      component: 'aws',
      externalId: SECRETS.externalId,
    });
    child.info({ token: SECRETS.ingestToken }, 'child line');
    const out = c.lines.join('\n');
    expect(out).not.toContain(SECRETS.externalId);
    expect(out).not.toContain(SECRETS.ingestToken);
    expect(c.records()[0]).toMatchObject({ component: 'aws', msg: 'child line' });
  });

  it('leaves ordinary fields alone', () => {
    const c = capture();
    createLogger({ level: 'info', destination: c.stream }).info(
      { findingId: 'abc', taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/1', tokens: 3 },
      'kept',
    );
    expect(c.records()[0]).toMatchObject({
      findingId: 'abc',
      taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/1',
      tokens: 3,
    });
  });
});
