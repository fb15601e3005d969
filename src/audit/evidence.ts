import { createHash } from 'node:crypto';
import type { EvidenceSnapshot } from '../aws/evidence-snapshot.js';
import type { AppContext } from '../context.js';
import { canonicalJson } from './hash.js';
import type { AuditActor, AuditRecord } from './record.js';

/**
 * Evidence snapshots in the audit trail: the snapshot (canonical JSON) is kept in Redis under its
 * id, and ONE `evidence` audit record carries its SHA-256 and the facts an investigator looks for
 * first (digests, ENI, IPs, roles), so the chain commits to the snapshot and anyone can check the
 * stored copy against it. Recording the same snapshot id again (a retried job) adds nothing.
 */
type Ctx = Pick<AppContext, 'redis' | 'keys' | 'audit'>;

/** Plain SHA-256: anyone can recompute it from the stored copy; the keyed chain commits to it. */
const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** As long as CloudTrail event history, which the snapshot links to. */
export const EVIDENCE_TTL_S = 90 * 86_400;

const key = (ctx: Pick<AppContext, 'keys'>, id: string) => ctx.keys('evidence', id);
const auditedKey = (ctx: Pick<AppContext, 'keys'>, id: string) => ctx.keys('evidence', id, 'audited');

export interface RecordedEvidence {
  snapshot: EvidenceSnapshot;
  sha256: string;
  /** False when this id was recorded before (the first snapshot stands). */
  fresh: boolean;
}

export async function recordEvidence(
  ctx: Ctx,
  snap: EvidenceSnapshot,
  meta: { actor: AuditActor; action: string; requestId?: string },
): Promise<RecordedEvidence> {
  const json = canonicalJson(snap);
  const set = await ctx.redis.set(key(ctx, snap.id), json, 'EX', EVIDENCE_TTL_S, 'NX');
  const stored = set === 'OK' ? json : ((await ctx.redis.get(key(ctx, snap.id))) ?? json);
  const snapshot = stored === json ? snap : (JSON.parse(stored) as EvidenceSnapshot);
  const sha256 = sha256Hex(stored);
  if (!(await ctx.redis.exists(auditedKey(ctx, snap.id)))) {
    const s = snapshot;
    await ctx.audit.append({
      actor: meta.actor,
      action: meta.action,
      event: 'evidence',
      target: {
        accountId: s.target.accountId,
        region: s.target.region,
        taskArn: s.target.taskArn,
        ...(s.target.cluster ? { cluster: s.target.cluster } : {}),
        ...(s.target.findingId ? { findingId: s.target.findingId } : {}),
        ...(meta.requestId ? { requestId: meta.requestId } : {}),
      },
      outcome: s.ok ? 'ok' : 'error',
      ...(s.problems.length ? { reason: `snapshot incomplete: ${s.problems.join('; ')}` } : {}),
      detail: evidenceDetail(s, sha256, stored.length),
    });
    await ctx.redis.set(auditedKey(ctx, snap.id), '1', 'EX', EVIDENCE_TTL_S);
  }
  return { snapshot, sha256, fresh: set === 'OK' };
}

/** The flat facts the audit record carries (well under the 2 KB detail cap). */
export function evidenceDetail(s: EvidenceSnapshot, sha256: string, bytes: number): AuditRecord['detail'] {
  const digests = [
    ...new Set(
      (s.task?.containers ?? [])
        .filter((c) => !c.guardDutyAgent && c.imageDigest)
        .map((c) => c.imageDigest as string),
    ),
  ].slice(0, 8);
  const eni = s.task?.eni;
  const d: NonNullable<AuditRecord['detail']> = {
    snapshotId: s.id,
    sha256,
    bytes,
    taskStatus: s.task?.lastStatus ?? 'unknown',
    digests,
  };
  if (eni?.networkInterfaceId) d.eni = eni.networkInterfaceId;
  if (eni?.privateIp) d.privateIp = eni.privateIp;
  if (eni?.publicIp) d.publicIp = eni.publicIp;
  if (eni?.subnetId) d.subnet = eni.subnetId;
  if (s.taskDefinition?.taskRoleArn) d.taskRole = s.taskDefinition.taskRoleArn;
  if (s.taskDefinition?.executionRoleArn) d.executionRole = s.taskDefinition.executionRoleArn;
  if (s.taskDefinition?.familyRevision) d.taskDefinition = s.taskDefinition.familyRevision;
  if (s.service)
    d.service = `${s.service.name} ${s.service.runningCount ?? '?'}/${s.service.desiredCount ?? '?'}`;
  return d;
}

/** A stored snapshot and whether it still matches the hash its audit record holds. */
export async function loadEvidence(
  ctx: Pick<AppContext, 'redis' | 'keys'>,
  id: string,
  expectedSha256?: string,
): Promise<{ snapshot: EvidenceSnapshot; sha256: string; intact: boolean } | undefined> {
  const raw = await ctx.redis.get(key(ctx, id));
  if (!raw) return undefined;
  const sha256 = sha256Hex(raw);
  return {
    snapshot: JSON.parse(raw) as EvidenceSnapshot,
    sha256,
    intact: !expectedSha256 || expectedSha256 === sha256,
  };
}
