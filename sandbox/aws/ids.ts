import { createHash, randomBytes } from 'node:crypto';

/** Lower-case hex of `bytes` random bytes (task ids are 32 hex characters). */
export const randomHex = (bytes = 16): string => randomBytes(bytes).toString('hex');

/** Detector ids are stable per account and region so seeds and tests can predict them. */
export const detectorIdFor = (accountId: string, region: string): string =>
  createHash('md5').update(`detector:${accountId}:${region}`).digest('hex');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An access key id shaped like AWS's: 4-letter prefix (AKIA static, ASIA temporary) + 16 chars. */
export function accessKeyId(prefix: 'AKIA' | 'ASIA'): string {
  const bytes = randomBytes(16);
  let out = prefix;
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

export const secretKey = (): string => randomBytes(30).toString('base64');

export const uuid = (): string => crypto.randomUUID();
