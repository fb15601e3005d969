import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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
  /** The newest exported record (its sequence and hash) read back from outside Redis, if any. */
  newest(): Promise<{ seq: number; hash: string; key: string } | undefined>;
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

  async newest(): Promise<{ seq: number; hash: string; key: string } | undefined> {
    const s3 = await this.s3();
    const prefix = `${AUDIT_EXPORT_PREFIX}${this.kid}/`;
    // Keys sort by sequence (zero-padded): the last key listed holds the newest records.
    let last: string | undefined;
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of page.Contents ?? []) if (o.Key && (!last || o.Key > last)) last = o.Key;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    if (!last) return undefined;
    const obj = await s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: last }));
    const lines = (await obj.Body?.transformToString('utf8'))?.trim().split('\n') ?? [];
    const r = JSON.parse(lines[lines.length - 1] ?? 'null') as AuditRecord | null;
    if (!r || typeof r.seq !== 'number' || typeof r.hash !== 'string')
      throw new Error(`${last} does not end with an audit record`);
    return { seq: r.seq, hash: r.hash, key: last };
  }
}
