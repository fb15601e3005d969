/**
 * Who is calling, read from the SigV4 Authorization header:
 * `AWS4-HMAC-SHA256 Credential=AKID/20250101/eu-west-1/ecs/aws4_request, SignedHeaders=…`.
 * The signature itself is not verified.
 */
export interface SigV4Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/;

export function parseAuthorization(header: string | undefined): SigV4Scope | undefined {
  if (!header?.startsWith('AWS4-HMAC-SHA256')) return undefined;
  const m = CREDENTIAL.exec(header);
  if (!m?.[1] || !m[2] || !m[3] || !m[4]) return undefined;
  return { accessKeyId: m[1], date: m[2], region: m[3], service: m[4] };
}
