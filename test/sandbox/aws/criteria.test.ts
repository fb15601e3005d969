import { describe, expect, it } from 'vitest';
import { matchesCriteria, sortBy, valuesAt } from '../../../sandbox/aws/criteria.js';
import { page } from '../../../sandbox/aws/paging.js';

const finding = {
  type: 'Execution:Runtime/ReverseShell',
  severity: 8,
  updatedAt: '2025-02-03T20:41:12.345Z',
  resource: {
    resourceType: 'ECSCluster',
    ecsClusterDetails: {
      name: 'prod-web',
      taskDetails: { createdAt: 1738614393.277, containers: [{ image: 'a:1' }, { image: 'agent:2' }] },
    },
  },
  service: { archived: false, featureName: 'RuntimeMonitoring' },
};

describe('finding criteria', () => {
  it('walks dotted paths through arrays', () => {
    expect(valuesAt(finding, 'resource.ecsClusterDetails.taskDetails.containers.image')).toEqual([
      'a:1',
      'agent:2',
    ]);
    expect(valuesAt(finding, 'resource.nope.x')).toEqual([]);
  });

  it('evaluates equals/notEquals on strings, numbers and booleans', () => {
    expect(matchesCriteria(finding, { 'service.archived': { equals: ['false'] } })).toBe(true);
    expect(matchesCriteria(finding, { 'service.archived': { equals: ['true'] } })).toBe(false);
    expect(matchesCriteria(finding, { severity: { equals: ['7', '8'] } })).toBe(true);
    expect(matchesCriteria(finding, { severity: { eq: ['4', '5', '6'] } })).toBe(false);
    expect(
      matchesCriteria(finding, {
        'resource.ecsClusterDetails.taskDetails.containers.image': { equals: ['agent:2'] },
      }),
    ).toBe(true);
    expect(matchesCriteria(finding, { type: { notEquals: ['Execution:Runtime/ReverseShell'] } })).toBe(false);
    expect(matchesCriteria(finding, { type: { neq: ['x'] } })).toBe(true);
    expect(matchesCriteria(finding, { 'resource.missing': { equals: ['x'] } })).toBe(false);
  });

  it('compares dates in epoch ms and severities as numbers', () => {
    const ms = Date.parse(finding.updatedAt);
    expect(matchesCriteria(finding, { updatedAt: { greaterThanOrEqual: ms } })).toBe(true);
    expect(matchesCriteria(finding, { updatedAt: { greaterThan: ms } })).toBe(false);
    expect(matchesCriteria(finding, { updatedAt: { lt: ms + 1 } })).toBe(true);
    expect(matchesCriteria(finding, { severity: { gte: 7, lessThan: 9 } })).toBe(true);
    expect(matchesCriteria(finding, { severity: { lte: 7 } })).toBe(false);
    // epoch-second timestamps inside the finding compare in ms too
    expect(
      matchesCriteria(finding, {
        'resource.ecsClusterDetails.taskDetails.createdAt': { greaterThan: 1738614393000 },
      }),
    ).toBe(true);
  });

  it('supports matches wildcards', () => {
    expect(matchesCriteria(finding, { type: { matches: ['Execution:*'] } })).toBe(true);
    expect(matchesCriteria(finding, { type: { notMatches: ['*Shell'] } })).toBe(false);
  });

  it('sorts by path, numbers and dates numerically', () => {
    const items = [{ s: 5 }, { s: 10 }, { s: 2 }, {}];
    expect(sortBy(items, 's', 'ASC')).toEqual([{ s: 2 }, { s: 5 }, { s: 10 }, {}]);
    expect(sortBy(items, 's', 'DESC')).toEqual([{ s: 10 }, { s: 5 }, { s: 2 }, {}]);
  });

  it('pages with opaque tokens and rejects bad ones', () => {
    const p1 = page([1, 2, 3], undefined, 2);
    expect(p1?.items).toEqual([1, 2]);
    const p2 = page([1, 2, 3], p1?.nextToken, 2);
    expect(p2).toEqual({ items: [3], nextToken: undefined });
    expect(page([1], 'garbage', 2)).toBeUndefined();
  });
});
