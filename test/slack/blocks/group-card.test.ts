import { describe, expect, it } from 'vitest';
import { affectedTasks, buildGroupCard, type FindingGroup } from '../../../src/slack/blocks/group-card.js';
import { assertWithinBlockKitLimits, collectTexts } from '../../helpers/block-kit.js';
import { EVIL } from './hostile.js';

const opts = { consoleUrl: 'https://console.aws.amazon.com' };

function group(n: number, over: Partial<FindingGroup> = {}): FindingGroup {
  const findings = Array.from({ length: n }, (_, i) => ({
    id: `f${i}`,
    taskId: `task${String(i % Math.max(1, Math.floor(n / 2))).padStart(5, '0')}`,
    lastSeen: new Date(Date.UTC(2025, 1, 3) + i * 1000).toISOString(),
    container: 'web',
  }));
  return {
    groupKey: '123456789012|us-east-1|prod-web|webserver|Execution:Runtime/ReverseShell',
    type: 'Execution:Runtime/ReverseShell',
    severity: 8,
    label: 'High',
    service: 'webserver',
    family: 'webserver',
    cluster: 'prod-web',
    accountId: '123456789012',
    region: 'us-east-1',
    findings,
    total: n,
    ...over,
  };
}

const textOf = (blocks: unknown[]) => collectTexts(blocks).join('\n');

describe('buildGroupCard', () => {
  it('counts findings and lists the affected tasks', () => {
    const c = buildGroupCard(group(6), opts);
    assertWithinBlockKitLimits(c.blocks, c.text);
    const text = textOf(c.blocks);
    expect(text).toContain('6 × Execution:Runtime/ReverseShell');
    expect(text).toContain('*6 findings*');
    expect(text).toContain('on 3 tasks of service webserver');
    expect(text).toContain('`task00000`');
    expect(text).toContain('2 findings');
    expect(text).not.toContain('more task');
    expect(c.text).toContain('6 × High Execution:Runtime/ReverseShell in prod-web/webserver');
    expect(text).toContain(
      '<https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?search=type%3DExecution%3ARuntime%2FReverseShell|Open these findings in GuardDuty>',
    );
  });

  it('stays within limits for 10,000 members and says how many more tasks there are', () => {
    const g = group(10_000);
    const started = performance.now();
    const c = buildGroupCard(g, opts);
    expect(performance.now() - started).toBeLessThan(1000);
    assertWithinBlockKitLimits(c.blocks, c.text);
    const text = textOf(c.blocks);
    expect(text).toContain('*10000 findings*');
    expect(text).toContain('*Tasks affected*\n5000');
    const listed = (text.match(/^• /gm) ?? []).length;
    expect(listed).toBeGreaterThan(5);
    expect(text).toContain(`…and ${5000 - listed} more tasks`);
    // Most recently seen first.
    expect(text.indexOf('`task04999`')).toBeGreaterThan(-1);
  });

  it('uses total when it is larger than the member list', () => {
    const c = buildGroupCard(group(3, { total: 12 }), opts);
    expect(textOf(c.blocks)).toContain('*12 findings*');
  });

  it('falls back to the task family when there is no service', () => {
    const c = buildGroupCard(group(2, { service: undefined, family: 'nightly' }), opts);
    expect(textOf(c.blocks)).toContain('task family nightly');
  });

  it('escapes hostile member data and stays within limits', () => {
    const g = group(500, {
      service: EVIL.repeat(20),
      cluster: EVIL,
      type: `Execution:Runtime/${EVIL}`,
      groupKey: EVIL.repeat(100),
    });
    g.findings = g.findings.map((m, i) => ({ ...m, taskId: `${EVIL}${i}`, container: EVIL.repeat(5) }));
    const c = buildGroupCard(g, opts);
    assertWithinBlockKitLimits(c.blocks, c.text);
    const all = `${textOf(c.blocks)}\n${c.text}`
      .replace(/<!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|[0-9TZ:.-]+>/g, '')
      .replace(/<https:\/\/console\.aws\.amazon\.com\/[^\s|<>]+\|Open [A-Za-z ]+>/g, '');
    expect(all).not.toContain('<');
    expect(all).not.toMatch(/@(here|channel|everyone)/i);
    // A hostile type is not put into a console link.
    expect(textOf(c.blocks)).not.toContain('Open these findings');
  });

  it('affectedTasks groups by task and counts members without a task id', () => {
    const rows = affectedTasks([
      { id: 'a', taskId: 't1', lastSeen: '2025-01-01T00:00:00.000Z' },
      { id: 'b', taskId: 't1', lastSeen: '2025-01-02T00:00:00.000Z' },
      { id: 'c' },
    ]);
    expect(rows).toEqual([
      { taskId: 't1', findings: 2, lastSeen: '2025-01-02T00:00:00.000Z', container: undefined },
      { taskId: '(unknown task)', findings: 1 },
    ]);
  });
});
