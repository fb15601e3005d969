import { describe, expect, it } from 'vitest';
import {
  accountIdArg,
  clusterArg,
  durationArg,
  intArg,
  parseArgs,
  regionArg,
  tokenize,
  userArg,
} from '../../commands/args.js';
import { parseCommand } from '../../commands/index.js';
import { isEcsGuardError } from '../../src/errors.js';

describe('tokenize', () => {
  it('splits on whitespace and honours quotes and escapes', () => {
    expect(tokenize('  coverage   prod-web  ')).toEqual(['coverage', 'prod-web']);
    expect(tokenize('findings --type "Execution:Runtime/New Binary" x')).toEqual([
      'findings',
      '--type',
      'Execution:Runtime/New Binary',
      'x',
    ]);
    expect(tokenize("a 'b c' d\\ e")).toEqual(['a', 'b c', 'd e']);
    expect(tokenize('a "" b')).toEqual(['a', '', 'b']);
    expect(tokenize('say "he said \\"hi\\""')).toEqual(['say', 'he said "hi"']);
  });

  it('treats Slack smart quotes as quotes', () => {
    expect(tokenize('findings --type \u201CExecution:Runtime/A B\u201D')).toEqual([
      'findings',
      '--type',
      'Execution:Runtime/A B',
    ]);
  });

  it('rejects an unclosed quote', () => {
    expect(() => tokenize('coverage "prod')).toThrow(/unclosed " quote/);
  });
});

describe('parseArgs', () => {
  const spec = {
    flags: { account: 'string', insights: 'boolean' } as const,
    positional: ['cluster'],
    required: 1,
  };

  it('parses positionals, --flag value, --flag=value, booleans and --share', () => {
    expect(parseArgs(['prod', '--account', '111122223333', '--insights', '--share'], spec)).toEqual({
      positional: ['prod'],
      flags: { account: '111122223333', insights: true },
      share: true,
    });
    expect(parseArgs(['--account=111122223333', 'prod'], spec).flags.account).toBe('111122223333');
  });

  it.each([
    [['prod', '--nope'], /unknown flag --nope/],
    [['prod', '--account'], /--account needs a value/],
    [['prod', '--account', '--insights'], /--account needs a value/],
    [['prod', '--insights=yes'], /takes no value/],
    [[], /missing <cluster>/],
    [['a', 'b'], /unexpected argument "b"/],
    [['a', '--account', '1', '--account', '2'], /given twice/],
  ])('%j is a usage error', (tokens, re) => {
    let err: unknown;
    try {
      parseArgs(tokens, spec);
    } catch (e) {
      err = e;
    }
    expect(isEcsGuardError(err)).toBe(true);
    expect((err as Error).message).toMatch(re);
  });
});

describe('value validators', () => {
  it('accepts good values and explains bad ones', () => {
    expect(accountIdArg('444455556666')).toBe('444455556666');
    expect(() => accountIdArg('4444')).toThrow(/12-digit/);
    expect(regionArg('eu-west-1')).toBe('eu-west-1');
    expect(() => regionArg('europe')).toThrow(/AWS region/);
    expect(clusterArg('arn:aws:ecs:us-east-1:111122223333:cluster/prod-web')).toBe('prod-web');
    expect(() => clusterArg('prod web!')).toThrow(/not an ECS cluster name/);
    expect(durationArg('24h')).toBe(86_400_000);
    expect(durationArg('7d')).toBe(7 * 86_400_000);
    expect(() => durationArg('yesterday')).toThrow(/30m, 24h or 7d/);
    expect(() => durationArg('365d')).toThrow(/between/);
    expect(intArg('5', 'N', 1, 10)).toBe(5);
    expect(() => intArg('50', 'N', 1, 10)).toThrow(/between 1 and 10/);
    expect(userArg('<@UABC123|alice>')).toEqual({ id: 'UABC123' });
    expect(userArg('@UABC123')).toEqual({ id: 'UABC123' });
    expect(userArg('@Alice')).toEqual({ name: 'alice' });
    expect(() => userArg('<script>')).toThrow(/Slack user/);
  });
});

describe('parseCommand', () => {
  it('defaults to help and dispatches case-insensitively', () => {
    const a = parseCommand('');
    expect(a.ok && a.command.name).toBe('help');
    const b = parseCommand('COVERAGE prod-web --region eu-west-1');
    expect(b.ok && b.command.name).toBe('coverage');
    expect(b.ok && b.args.flags.region).toBe('eu-west-1');
  });

  it('answers an unknown subcommand with the full help', () => {
    const r = parseCommand('enabel prod');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toBe('unknown subcommand "enabel"');
    expect(JSON.stringify(r.reply.blocks)).toContain('/ecs-guard enable <cluster>');
  });

  it('answers a bad flag with the usage line of that subcommand', () => {
    const r = parseCommand('enable prod --force');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reply.text).toContain('unknown flag --force');
    expect(r.reply.text).toContain('/ecs-guard enable <cluster> [--account ID] [--region R] [--insights]');
  });
});
