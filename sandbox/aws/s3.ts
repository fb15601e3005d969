import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { AwsServiceError } from './aws-error.js';

/**
 * The little of S3 ecs-guard uses (the audit export): buckets created with Object Lock, and
 * PutObject over the wire as real S3 checks it — path-style `PUT /bucket/key`, the payload hash
 * the signature covers (`x-amz-content-sha256`), Content-MD5 or an `x-amz-checksum-*` header
 * (required with Object Lock headers, verified when sent), and Object Lock mode plus
 * retain-until-date together, on a bucket with Object Lock only. Every PUT is a new version.
 * GetObject (the newest version) and ListObjectsV2 (prefix, 1,000 keys a page) read it back.
 */
export interface S3ObjectVersion {
  versionId: string;
  body: string;
  contentType?: string;
  lockMode?: 'GOVERNANCE' | 'COMPLIANCE';
  retainUntil?: string;
  /** The checksum header S3 was sent (`sha256`, `crc32`, … or `md5`) and its value. */
  checksum?: { algorithm: string; value: string };
  putAt: number;
  accountId: string;
}

interface Bucket {
  name: string;
  ownerAccountId: string;
  objectLock: boolean;
  objects: Map<string, S3ObjectVersion[]>;
}

export class S3Store {
  private readonly buckets = new Map<string, Bucket>();

  /** A bucket as CreateBucket with `x-amz-bucket-object-lock-enabled: true` (or without) makes it. */
  createBucket(name: string, opts: { ownerAccountId: string; objectLock?: boolean }): void {
    this.buckets.set(name, {
      name,
      ownerAccountId: opts.ownerAccountId,
      objectLock: opts.objectLock ?? false,
      objects: new Map(),
    });
  }

  /** Every version of `key`, oldest first. */
  versions(bucket: string, key: string): S3ObjectVersion[] {
    return [...(this.buckets.get(bucket)?.objects.get(key) ?? [])];
  }

  /** Keys in a bucket (sorted, as S3 lists them). */
  keys(bucket: string, prefix = ''): string[] {
    return [...(this.buckets.get(bucket)?.objects.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort();
  }

  bucket(name: string): Bucket | undefined {
    return this.buckets.get(name);
  }
}

export interface S3Request {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  accountId: string;
  now: number;
}

export interface S3Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const invalid = (message: string, code = 'InvalidRequest') => new AwsServiceError(code, 400, message);
const header = (r: S3Request, name: string): string | undefined => {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** `/bucket/key…` (path style, as the SDK sends with forcePathStyle or an IP endpoint). */
export function s3Operation(
  method: string,
  path: string,
  query: URLSearchParams,
): { operation: string; bucket: string; key: string } {
  const [bucket = '', ...rest] = path.replace(/^\//, '').split('/');
  const key = decodeURIComponent(rest.join('/'));
  if (method === 'PUT' && bucket && key) return { operation: 'PutObject', bucket, key };
  if (method === 'GET' && bucket && key) return { operation: 'GetObject', bucket, key };
  if (method === 'GET' && bucket && query.get('list-type') === '2')
    return { operation: 'ListObjectsV2', bucket, key };
  return { operation: `${method} ${key ? 'object' : 'bucket'}`, bucket, key };
}

const xmlEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const etagOf = (body: string) => `"${createHash('md5').update(body, 'utf8').digest('hex')}"`;
const LIST_PAGE = 1000;

function getObject(bucket: Bucket, key: string): S3Reply {
  const v = bucket.objects.get(key)?.at(-1);
  if (!v) throw new AwsServiceError('NoSuchKey', 404, 'The specified key does not exist.');
  return {
    status: 200,
    headers: {
      'content-type': v.contentType ?? 'binary/octet-stream',
      etag: etagOf(v.body),
      'last-modified': new Date(v.putAt).toUTCString(),
      'x-amz-version-id': v.versionId,
      ...(v.lockMode ? { 'x-amz-object-lock-mode': v.lockMode } : {}),
      ...(v.retainUntil ? { 'x-amz-object-lock-retain-until-date': v.retainUntil } : {}),
    },
    body: v.body,
  };
}

function listObjects(bucket: Bucket, query: URLSearchParams): S3Reply {
  const prefix = query.get('prefix') ?? '';
  const max = Math.min(LIST_PAGE, Number(query.get('max-keys') ?? LIST_PAGE) || LIST_PAGE);
  const after = query.get('continuation-token') ?? query.get('start-after') ?? '';
  const all = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
  const page = all.slice(0, max);
  const truncated = all.length > page.length;
  const contents = page
    .map((k) => {
      const v = bucket.objects.get(k)?.at(-1) as S3ObjectVersion;
      return `<Contents><Key>${xmlEsc(k)}</Key><LastModified>${new Date(v.putAt).toISOString()}</LastModified><ETag>${xmlEsc(etagOf(v.body))}</ETag><Size>${Buffer.byteLength(v.body)}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    })
    .join('');
  const next = truncated
    ? `<NextContinuationToken>${xmlEsc(page.at(-1) as string)}</NextContinuationToken>`
    : '';
  return {
    status: 200,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEsc(bucket.name)}</Name><Prefix>${xmlEsc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`,
  };
}

function checksumOf(algorithm: string, data: Buffer): string | undefined {
  switch (algorithm) {
    case 'sha256':
      return createHash('sha256').update(data).digest('base64');
    case 'sha1':
      return createHash('sha1').update(data).digest('base64');
    case 'crc32': {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(crc32(data) >>> 0);
      return b.toString('base64');
    }
    default:
      return undefined;
  }
}

export function handleS3(store: S3Store, r: S3Request): S3Reply {
  const { operation, bucket: name, key } = s3Operation(r.method, r.path, r.query);
  if (!['PutObject', 'GetObject', 'ListObjectsV2'].includes(operation))
    throw new AwsServiceError('NotImplemented', 501, `The emulator does not implement ${operation}.`);
  const bucket = store.bucket(name);
  if (!bucket) throw new AwsServiceError('NoSuchBucket', 404, 'The specified bucket does not exist');
  if (bucket.ownerAccountId !== r.accountId) throw new AwsServiceError('AccessDenied', 403, 'Access Denied');
  if (operation === 'GetObject') return getObject(bucket, key);
  if (operation === 'ListObjectsV2') return listObjects(bucket, r.query);
  const data = Buffer.from(r.body, 'utf8');
  const declared = header(r, 'x-amz-content-sha256');
  if (
    declared &&
    declared !== 'UNSIGNED-PAYLOAD' &&
    declared !== createHash('sha256').update(data).digest('hex')
  )
    throw invalid(
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      'XAmzContentSHA256Mismatch',
    );
  // Integrity: Content-MD5 and any x-amz-checksum-<algorithm> sent must match the body.
  const md5 = header(r, 'content-md5');
  if (md5 !== undefined && md5 !== createHash('md5').update(data).digest('base64'))
    throw invalid('The Content-MD5 you specified did not match what we received.', 'BadDigest');
  let checksum: S3ObjectVersion['checksum'];
  for (const [h, v] of Object.entries(r.headers)) {
    const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(h);
    if (!m || typeof v !== 'string') continue;
    const algorithm = m[1] as string;
    const want = checksumOf(algorithm, data);
    if (want === undefined) throw invalid(`Unsupported checksum algorithm ${algorithm}.`, 'InvalidRequest');
    if (want !== v)
      throw invalid(
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        'BadDigest',
      );
    checksum = { algorithm, value: v };
  }
  if (!checksum && md5) checksum = { algorithm: 'md5', value: md5 };
  const mode = header(r, 'x-amz-object-lock-mode');
  const until = header(r, 'x-amz-object-lock-retain-until-date');
  if (mode !== undefined || until !== undefined) {
    if (!bucket.objectLock) throw invalid('Bucket is missing Object Lock Configuration');
    if (mode === undefined || until === undefined)
      throw invalid('x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied');
    if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE')
      throw invalid('Unknown wormMode directive.', 'InvalidArgument');
    const t = Date.parse(until);
    if (!Number.isFinite(t)) throw invalid('Invalid retain until date', 'InvalidArgument');
    if (t <= r.now) throw invalid('The retain until date must be in the future!', 'InvalidArgument');
    if (!checksum)
      throw invalid(
        'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
      );
  }
  const version: S3ObjectVersion = {
    versionId: randomBytes(16).toString('base64url'),
    body: r.body,
    ...(header(r, 'content-type') ? { contentType: header(r, 'content-type') } : {}),
    ...(mode
      ? {
          lockMode: mode as 'GOVERNANCE' | 'COMPLIANCE',
          retainUntil: new Date(Date.parse(until as string)).toISOString(),
        }
      : {}),
    ...(checksum ? { checksum } : {}),
    putAt: r.now,
    accountId: r.accountId,
  };
  const versions = bucket.objects.get(key) ?? [];
  versions.push(version);
  bucket.objects.set(key, versions);
  return {
    status: 200,
    headers: {
      etag: `"${createHash('md5').update(data).digest('hex')}"`,
      ...(bucket.objectLock ? { 'x-amz-version-id': version.versionId } : {}),
      ...(checksum && checksum.algorithm !== 'md5'
        ? { [`x-amz-checksum-${checksum.algorithm}`]: checksum.value }
        : {}),
    },
    body: '',
  };
}

/** S3's error body. */
export function s3ErrorXml(err: AwsServiceError, requestId: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(err.code)}</Code><Message>${esc(err.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
}
