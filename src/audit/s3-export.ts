import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { keyId } from './hash.js';
import type { AuditRecord } from './record.js';

/** Object keys start with this (the bot policy grants PutObject under it only). */
export const AUDIT_EXPORT_PREFIX = 'ecs-guard-audit/';

/** `ecs-guard-audit/<key id>/<first seq>-<last seq>.jsonl`, zero-padded so keys sort by sequence. */
export const exportKey = (kid: string, from: number, to: number): string =>
  `${AUDIT_EXPORT_PREFIX}${kid}/${String(from).padStart(12, '0')}-${String(to).padStart(12, '0')}.jsonl`;

/** Where exported records go: one object per batch of consecutive records. */
export interface AuditExport {
  /** Human name, e.g. `S3 bucket my-audit`. */
  readonly where: string;
  put(records: AuditRecord[]): Promise<{ key: string; versionId?: string }>;
}

/**
 * The JSON-lines export of the audit chain to S3 (ECS_GUARD_AUDIT_BUCKET): each batch of records
 * (as stored: content, seq, prev, HMAC) is one object written with Object Lock in COMPLIANCE mode
 * until `retentionDays` from now, so nobody — not the bot, not the account's root — can change or
 * delete it before then; a SHA-256 checksum goes with it (S3 refuses Object Lock writes without
 * Content-MD5 or a checksum). The bucket must have been created with Object Lock enabled.
 */
export class S3AuditExport implements AuditExport {
  readonly where: string;
  private readonly kid: string;

  constructor(
    /** The home account's S3 client in the bot's home region (AwsClients.s3). */
    private readonly s3: () => Promise<S3Client>,
    private readonly bucket: string,
    hmacKey: string,
    private readonly retentionDays: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.where = `S3 bucket ${bucket}`;
    this.kid = keyId(hmacKey);
  }

  async put(records: AuditRecord[]): Promise<{ key: string; versionId?: string }> {
    const first = records[0];
    const last = records[records.length - 1];
    if (!first || !last) throw new Error('audit export: no records');
    const key = exportKey(this.kid, first.seq, last.seq);
    const s3 = await this.s3();
    const out = await s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: `${records.map((r) => JSON.stringify(r)).join('\n')}\n`,
        ContentType: 'application/x-ndjson',
        ChecksumAlgorithm: 'SHA256',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date(this.clock() + this.retentionDays * 86_400_000),
      }),
    );
    return { key, ...(out.VersionId ? { versionId: out.VersionId } : {}) };
  }
}
