import { gdBadRequest } from './aws-error.js';
import { type Condition, validateCriterion } from './criteria.js';
import { page } from './paging.js';
import type { RegionStore } from './state.js';
import type { FilterRecord } from './wire-types.js';

/**
 * GuardDuty filters (suppression rules when the action is ARCHIVE) over restJson1, with the
 * limits of the service model: name 3-64 of [A-Za-z0-9._-], description ≤ 512, rank 1-100,
 * action NOOP|ARCHIVE (default NOOP), 1-200 tags, `matches` ≤ 5 values of ≤ 512 characters,
 * 100 filters per detector. `clientToken` makes CreateFilter idempotent. GetFilter carries
 * createdAt/updatedAt (epoch seconds) and a version that every UpdateFilter raises.
 * The archiving itself happens where findings are stored (AwsState.addFinding/updateFinding).
 */

type Body = Record<string, unknown>;

const FILTER_NAME = /^[A-Za-z0-9_.-]{3,64}$/;
const TAG_KEY = /^(?!aws:)[a-zA-Z+\-=._:/]{1,128}$/;
export const MAX_FILTERS = 100;

const criterionOf = (body: Body): Record<string, Condition> | undefined =>
  ((body.findingCriteria as Body | undefined)?.criterion as Record<string, Condition> | undefined) ??
  undefined;

function checkCriterion(criterion: Record<string, Condition>): void {
  validateCriterion(criterion, true);
  for (const [field, cond] of Object.entries(criterion)) {
    for (const k of ['matches', 'notMatches']) {
      const list = cond[k];
      if (list === undefined) continue;
      if (
        !Array.isArray(list) ||
        list.length > 5 ||
        list.some((v) => String(v).length < 1 || String(v).length > 512)
      )
        throw gdBadRequest(
          `The request is rejected because the ${k} condition of ${field} must hold at most 5 values of 1-512 characters.`,
        );
    }
  }
}

function checkAction(v: unknown): 'NOOP' | 'ARCHIVE' | undefined {
  if (v === undefined) return undefined;
  if (v === 'NOOP' || v === 'ARCHIVE') return v;
  throw gdBadRequest('The request is rejected because the action is not valid. Valid values: NOOP, ARCHIVE.');
}

function checkRank(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 100)
    throw gdBadRequest('The request is rejected because rank must be an integer between 1 and 100.');
  return v;
}

function checkDescription(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > 512)
    throw gdBadRequest('The request is rejected because the description is longer than 512 characters.');
  return v;
}

function checkTags(v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw gdBadRequest('The request is rejected because tags is not a map.');
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length < 1 || entries.length > 200)
    throw gdBadRequest('The request is rejected because tags must hold 1-200 entries.');
  for (const [k, val] of entries) {
    if (!TAG_KEY.test(k) || typeof val !== 'string' || val.length > 256)
      throw gdBadRequest(`The request is rejected because the tag ${k.slice(0, 128)} is not valid.`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function getRecord(s: RegionStore, name: string | undefined): FilterRecord {
  const f = name ? s.filters.get(name) : undefined;
  if (!f) throw gdBadRequest(`The request is rejected because the filter ${name ?? ''} does not exist.`);
  return f;
}

export function createFilter(s: RegionStore, body: Body, nowMs: number): Body {
  const name = typeof body.name === 'string' ? body.name : '';
  if (!FILTER_NAME.test(name))
    throw gdBadRequest(
      'The request is rejected because the filter name is not valid: 3-64 characters of letters, digits, period, underscore and dash.',
    );
  const token = typeof body.clientToken === 'string' ? body.clientToken : undefined;
  if (token !== undefined && token.length > 64)
    throw gdBadRequest('The request is rejected because clientToken is longer than 64 characters.');
  const existing = s.filters.get(name);
  // The same request again (the SDK retrying, or a job re-running) gets the same answer.
  if (existing && token && existing.clientToken === token) return { name };
  if (existing) throw gdBadRequest(`The request is rejected because a filter named ${name} already exists.`);
  if (s.filters.size >= MAX_FILTERS)
    throw gdBadRequest(
      `The request is rejected because the number of filters exceeds the limit of ${MAX_FILTERS}.`,
    );
  const criterion = criterionOf(body);
  if (!criterion) throw gdBadRequest('The request is rejected because findingCriteria is missing.');
  checkCriterion(criterion);
  const description = checkDescription(body.description);
  const sec = nowMs / 1000;
  const f: FilterRecord = {
    name,
    ...(description !== undefined ? { description } : {}),
    action: checkAction(body.action) ?? 'NOOP',
    rank: checkRank(body.rank) ?? s.filters.size + 1,
    findingCriteria: { criterion },
    tags: checkTags(body.tags),
    createdAt: sec,
    updatedAt: sec,
    version: 1,
    ...(token ? { clientToken: token } : {}),
  };
  s.filters.set(name, f);
  return { name };
}

export function getFilter(s: RegionStore, name: string | undefined): Body {
  const { clientToken: _token, tags, ...f } = getRecord(s, name);
  return { ...f, ...(Object.keys(tags).length ? { tags } : {}) };
}

/** Filter names by rank (the order GuardDuty applies them), then name. */
export function listFilters(s: RegionStore, q: URLSearchParams): Body {
  const raw = q.get('maxResults');
  const max = raw === null || raw === '' ? 50 : Number(raw);
  if (!Number.isInteger(max) || max < 1 || max > 50)
    throw gdBadRequest(
      'The request is rejected because the parameter maxResults has an invalid value. It must be between 1 and 50.',
    );
  const names = [...s.filters.values()]
    .sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name))
    .map((f) => f.name);
  const p = page(names, q.get('nextToken'), max);
  if (!p) throw gdBadRequest('The request is rejected because the input nextToken is not valid.');
  return { filterNames: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
}

export function updateFilter(s: RegionStore, name: string | undefined, body: Body, nowMs: number): Body {
  const f = getRecord(s, name);
  const criterion = criterionOf(body);
  if (criterion) checkCriterion(criterion);
  const action = checkAction(body.action);
  const rank = checkRank(body.rank);
  const description = checkDescription(body.description);
  if (criterion) f.findingCriteria = { criterion };
  if (action) f.action = action;
  if (rank !== undefined) f.rank = rank;
  if (description !== undefined) f.description = description;
  f.updatedAt = nowMs / 1000;
  f.version = (f.version ?? 1) + 1;
  return { name: f.name };
}

export function deleteFilter(s: RegionStore, name: string | undefined): Body {
  getRecord(s, name);
  s.filters.delete(name as string);
  return {};
}
