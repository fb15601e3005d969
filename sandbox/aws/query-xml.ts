import type { AwsServiceError } from './aws-error.js';

/** The awsQuery protocol's XML (STS, IAM): `<OpResponse><OpResult>…</OpResult>` and `<ErrorResponse>`. */

export const xmlEscape = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

export const el = (name: string, value: string | number): string =>
  `<${name}>${xmlEscape(String(value))}</${name}>`;

/** `resultXml` undefined = an operation without output (IAM PutRolePolicy): no Result element. */
export function querySuccessXml(
  ns: string,
  operation: string,
  resultXml: string | undefined,
  requestId: string,
): string {
  const result = resultXml === undefined ? '' : `<${operation}Result>${resultXml}</${operation}Result>`;
  return (
    `<${operation}Response xmlns="${ns}">${result}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`
  );
}

export function queryErrorXml(ns: string, err: AwsServiceError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${ns}"><Error><Type>${err.fault}</Type>${el('Code', err.code)}${el('Message', err.message)}</Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
