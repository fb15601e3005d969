import { randomBytes } from 'node:crypto';
import { canonicalJson, hmacHex, macEquals } from '../audit/hash.js';
import type { Clock } from '../clock.js';
import type { Keyspace, Redis } from '../redis.js';

/**
 * A request to run a remediation (Stop task, Archive, Enable monitoring, …): who asked, what,
 * where. Every field is filled server-side (from the card record and the stored finding, a stored
 * plan, or the system); a button only ever carries the opaque `requestId`.
 */
export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'executed' | 'failed';

/** Where a request came from: a card button, a slash-command plan, or ecs-guard itself. */
export type RequestOrigin = 'card' | 'command' | 'system';

export interface ActionRequest {
  requestId: string;
  /** The remediation's name (`src/remediations/`). */
  action: string;
  status: RequestStatus;
  /** Default `card`. */
  origin?: RequestOrigin;
  /** `undo` = a Restore of request `undoOf` (its stored undo state is the input). */
  mode?: 'run' | 'undo';
  undoOf?: string;
  requesterId: string;
  requesterName?: string;
  findingId?: string;
  findingType?: string;
  /** The card it shows on (origin `card`). */
  cardId?: string;
  channel: string;
  ts?: string;
  /** A slash-command plan's response_url: the job replaces the plan message with its result. */
  responseUrl?: string;
  taskArn?: string;
  cluster?: string;
  service?: string;
  roleArn?: string;
  accountId: string;
  region: string;
  /** The remediation's input (validated by its schema), JSON. */
  input?: Record<string, unknown>;
  /** Epoch ms. */
  createdAt: number;
  expiresAt: number;
  approverId?: string;
  approverName?: string;
  approvedAt?: number;
  /** Not before (epoch ms): an approved request with a cancel window (auto-contain). */
  runAt?: number;
  /** Who rejected (or which system step expired it) and when. */
  decidedById?: string;
  decidedAt?: number;
  /** Execution attempt (1, then +1 for each Retry click); part of the job id. */
  attempt: number;
  outcomeOk?: boolean;
  outcomeMessage?: string;
  outcomeRetryable?: boolean;
  outcomeAt?: number;
  awsRequestId?: string;
  /** Result data of the run (`Outcome.data`) and the state a Restore needs (`Outcome.undo`). */
  outcomeData?: Record<string, unknown>;
  undoState?: Record<string, unknown>;
  /** The Restore request made of this one, once made (decided once). */
  restoredBy?: string;
  /** Crash-recovery markers: the final audit record / card update were done. */
  audited?: boolean;
  notified?: boolean;
  /** HMAC of what the request is (SIGNED_FIELDS), set when it is created. */
  sig?: string;
  /** HMAC of the approval (who, which attempt), set when it becomes approved. */
  approvalSig?: string;
}

/**
 * What a request *is* — what it acts on, for whom, with which input — signed with the audit key
 * when it is created. Status, decisions and outcomes change later; the approval has its own MAC.
 */
const SIGNED_FIELDS = [
  'requestId',
  'action',
  'origin',
  'mode',
  'undoOf',
  'requesterId',
  'findingId',
  'findingType',
  'cardId',
  'channel',
  'responseUrl',
  'taskArn',
  'cluster',
  'service',
  'roleArn',
  'accountId',
  'region',
  'input',
  'createdAt',
  'expiresAt',
  // Signed: an edited runAt must not cut a cancel window short (absent = not part of the MAC).
  'runAt',
] as const satisfies readonly (keyof ActionRequest)[];

/** The request's MAC under `key` (HMAC-SHA256 over the canonical JSON of SIGNED_FIELDS). */
export function requestSignature(key: string, r: Partial<ActionRequest>): string {
  const body = Object.fromEntries(SIGNED_FIELDS.map((f) => [f, r[f]]));
  return hmacHex(key, `request\n${canonicalJson(body)}`);
}

/** The approval's MAC: this request, this attempt, this approver. */
export function approvalSignature(
  key: string,
  r: Pick<ActionRequest, 'requestId' | 'attempt' | 'approverId' | 'sig'>,
): string {
  return hmacHex(key, `approval\n${r.requestId}\n${r.attempt}\n${r.approverId ?? ''}\n${r.sig ?? ''}`);
}

const ID_RE = /^r[0-9a-f]{24}$/;
/** Request ids come back in button values: anything not of our shape is forged. */
export const isRequestId = (s: unknown): s is string => typeof s === 'string' && ID_RE.test(s);
export const newRequestId = () => `r${randomBytes(12).toString('hex')}`;

const NUM = new Set(['createdAt', 'expiresAt', 'approvedAt', 'decidedAt', 'attempt', 'outcomeAt', 'runAt']);
const BOOL = new Set(['outcomeOk', 'outcomeRetryable', 'audited', 'notified']);
const JSON_FIELDS = new Set(['input', 'outcomeData', 'undoState']);

type Flat = Record<string, string>;

const parseJson = (v: string): unknown => {
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
};

function toFlat(p: Partial<ActionRequest>): Flat {
  const out: Flat = {};
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'boolean' ? (v ? '1' : '0') : JSON_FIELDS.has(k) ? JSON.stringify(v) : String(v);
  }
  return out;
}

function fromFlat(h: Flat): ActionRequest | undefined {
  if (!h.requestId || !h.status) return undefined;
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) {
    r[k] = NUM.has(k) ? Number(v) : BOOL.has(k) ? v === '1' : JSON_FIELDS.has(k) ? parseJson(v) : v;
  }
  return r as unknown as ActionRequest;
}

/**
 * Compare-and-set of a request's status in one Redis step, so that of two approvers clicking at
 * the same moment (or a double click, or Slack re-sending the click) exactly one wins.
 * KEYS: request hash, pending zset, approved zset. ARGV: allowed from-statuses (comma list),
 * new status, request id, score for the zset, then field/value pairs.
 * Returns {1, previous status, hgetall…} or {0, current status ('' when unknown), hgetall…}.
 */
const TRANSITION = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {0, ''} end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == status then allowed = true end end
if not allowed then return {0, status, redis.call('HGETALL', KEYS[1])} end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if ARGV[2] ~= 'pending' then redis.call('ZREM', KEYS[2], ARGV[3]) end
if ARGV[2] == 'approved' then redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
else redis.call('ZREM', KEYS[3], ARGV[3]) end
return {1, status, redis.call('HGETALL', KEYS[1])}
`;

const pairs = (arr: unknown): Flat => {
  const out: Flat = {};
  if (!Array.isArray(arr)) return out;
  for (let i = 0; i + 1 < arr.length; i += 2) out[String(arr[i])] = String(arr[i + 1]);
  return out;
};

export interface TransitionResult {
  ok: boolean;
  /** Status before (when ok) or the status that blocked the change ('' = unknown request). */
  status: RequestStatus | '';
  request?: ActionRequest;
}

/** Keeps decided requests for a while so late clicks get a clear answer and the audit can be followed (default; ECS_GUARD_RETENTION_DAYS). */
const KEEP_MS = 90 * 86_400_000;

/**
 * Requests in Redis: `request:<id>` hashes plus `requests:pending` / `requests:approved` indexes.
 * Every record is signed with the audit HMAC key (what it is, and its approval), so a request
 * written or edited directly in Redis fails `verify()` and the worker refuses it.
 */
export class RequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly clock: Clock,
    private readonly hmacKey: string,
    /** Decided requests are kept this long after their expiry (late clicks, audit follow-up). */
    private readonly retentionMs: number = KEEP_MS,
  ) {}

  private key(id: string) {
    return this.keys('request', id);
  }

  /**
   * Whether a record read back is one ecs-guard wrote: its requestId is the one asked for, its
   * MAC matches what it is, and (once approved) its approval MAC matches who approved which attempt.
   */
  verify(id: string, r: ActionRequest): { ok: true } | { ok: false; why: string } {
    if (r.requestId !== id) return { ok: false, why: 'the record names another request id' };
    if (!r.sig || !macEquals(r.sig, requestSignature(this.hmacKey, r)))
      return { ok: false, why: 'the request signature does not match (written or edited outside ecs-guard)' };
    const approvedOnce = r.status === 'approved' || r.status === 'executed' || r.status === 'failed';
    if (approvedOnce && (!r.approvalSig || !macEquals(r.approvalSig, approvalSignature(this.hmacKey, r))))
      return { ok: false, why: 'the approval signature does not match (approved outside ecs-guard)' };
    return { ok: true };
  }

  async create(input: ActionRequest): Promise<void> {
    const sig = requestSignature(this.hmacKey, input);
    const req: ActionRequest = {
      ...input,
      sig,
      ...(input.status === 'approved'
        ? { approvalSig: approvalSignature(this.hmacKey, { ...input, sig }) }
        : { approvalSig: undefined }),
    };
    const pipe = this.redis.multi().hset(this.key(req.requestId), toFlat(req));
    pipe.pexpire(this.key(req.requestId), Math.max(0, req.expiresAt - this.clock()) + this.retentionMs);
    if (req.status === 'pending') pipe.zadd(this.keys('requests', 'pending'), req.expiresAt, req.requestId);
    if (req.status === 'approved')
      pipe.zadd(this.keys('requests', 'approved'), req.approvedAt ?? this.clock(), req.requestId);
    await pipe.exec();
  }

  async get(id: string): Promise<ActionRequest | undefined> {
    if (!isRequestId(id)) return undefined;
    return fromFlat(await this.redis.hgetall(this.key(id)));
  }

  async transition(
    id: string,
    from: RequestStatus[],
    to: RequestStatus,
    patch: Partial<ActionRequest> = {},
  ): Promise<TransitionResult> {
    if (!isRequestId(id)) return { ok: false, status: '' };
    if (to === 'approved') {
      // The approval is signed for this approver and attempt; the CAS below still decides who wins.
      const current = await this.get(id);
      if (!current) return { ok: false, status: '' };
      patch = {
        ...patch,
        approvalSig: approvalSignature(this.hmacKey, {
          requestId: id,
          attempt: patch.attempt ?? current.attempt,
          approverId: patch.approverId ?? current.approverId,
          sig: current.sig,
        }),
      };
    }
    const flat = Object.entries(toFlat(patch)).flat();
    const res = (await this.redis.eval(
      TRANSITION,
      3,
      this.key(id),
      this.keys('requests', 'pending'),
      this.keys('requests', 'approved'),
      from.join(','),
      to,
      id,
      String(this.clock()),
      ...flat,
    )) as [number, string, unknown?];
    const request = res[2] ? fromFlat(pairs(res[2])) : undefined;
    return { ok: res[0] === 1, status: res[1] as RequestStatus | '', ...(request ? { request } : {}) };
  }

  /** Sets fields without a status change (recovery markers). */
  async mark(id: string, patch: Partial<ActionRequest>): Promise<void> {
    await this.redis.hset(this.key(id), toFlat(patch));
  }

  /** Marks `id` as restored by request `restoreId`, once: false when a Restore was made already. */
  async claimRestore(id: string, restoreId: string): Promise<boolean> {
    if (!isRequestId(id)) return false;
    return (await this.redis.hsetnx(this.key(id), 'restoredBy', restoreId)) === 1;
  }

  /** A step's stored result (multi-step remediations), or undefined when the step has not run. */
  async stepResult(id: string, step: string): Promise<{ value: unknown } | undefined> {
    const raw = await this.redis.hget(this.keys('request', id, 'steps'), step);
    return raw === null ? undefined : { value: parseJson(raw) };
  }

  /** Records a step as done (kept as long as the request). */
  async saveStep(id: string, step: string, value: unknown): Promise<void> {
    const key = this.keys('request', id, 'steps');
    await this.redis
      .multi()
      .hset(key, step, JSON.stringify(value ?? null))
      .pexpire(key, this.retentionMs * 2)
      .exec();
  }

  /** Pending requests whose expiry is at or before `now`. */
  dueForExpiry(now: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys('requests', 'pending'), 0, now, 'LIMIT', 0, limit);
  }

  /** Approved requests approved at or before `before` (still not executed: the job may be lost). */
  approvedBefore(before: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys('requests', 'approved'), 0, before, 'LIMIT', 0, limit);
  }
}
