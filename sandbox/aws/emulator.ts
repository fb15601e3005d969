import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callLatency, type LatencySpec } from '../latency.js';
import { AwsServiceError } from './aws-error.js';
import { type CallFilter, CallLog, type CallRecord } from './call-log.js';
import { ECS_TARGET_PREFIX, handleEcs } from './ecs.js';
import { Faults, type ServiceName } from './faults.js';
import { handleGuardDuty } from './guardduty.js';
import { routeGuardDuty } from './guardduty-routes.js';
import { handleIam, IAM_NS, IAM_VERSION, sessionRevoked } from './iam.js';
import { parseAuthorization } from './identity.js';
import { queryErrorXml, querySuccessXml } from './query-xml.js';
import type { RequestContext } from './request-context.js';
import { handleS3, type S3Reply, s3ErrorXml, s3Operation } from './s3.js';
import { AwsState, type Principal } from './state.js';
import { handleSts, STS_NS } from './sts.js';
import { expiredToken, explicitDeny, faultError, unrecognizedClient } from './wire-errors.js';

export interface AwsEmulatorOptions {
  port?: number;
  host?: string;
  homeAccountId?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** epoch ms; drives timestamps, session expiry */
  now?: () => number;
  /** Per-call latency (sandbox/latency.ts); none by default. */
  latency?: LatencySpec;
}

export interface AwsEmulator {
  /** e.g. http://127.0.0.1:41234 — give it to the SDK as `endpoint` or AWS_ENDPOINT_URL */
  readonly url: string;
  readonly port: number;
  readonly homeAccountId: string;
  readonly state: AwsState;
  readonly faults: Faults;
  /** the home account's static keys */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  calls(filter?: CallFilter): CallRecord[];
  clearCalls(): void;
  /** Environment for a child process that should use the emulator with the home keys. */
  env(region: string): Record<string, string>;
  close(): Promise<void>;
}

/** A parsed request: which service and operation, and the wire input. */
interface Parsed {
  service: ServiceName;
  operation: string;
  input: Record<string, unknown>;
  run: (ctx: RequestContext) => unknown;
}

class Reply {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly body: string,
  ) {}
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(body: string, service: ServiceName): Record<string, unknown> {
  if (!body.trim()) return {};
  try {
    const v = JSON.parse(body) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AwsServiceError(
    service === 'ecs' ? 'SerializationException' : 'BadRequestException',
    400,
    'The request body is not valid JSON.',
  );
}

/** Works out service and operation from what the SDK sends: X-Amz-Target, form Action, or path. */
function parseRequest(req: IncomingMessage, body: string): Parsed {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith(ECS_TARGET_PREFIX)) {
    const operation = target.slice(ECS_TARGET_PREFIX.length);
    const input = parseJson(body, 'ecs');
    return { service: 'ecs', operation, input, run: (ctx) => handleEcs(ctx, operation, input) };
  }
  const contentType = req.headers['content-type'] ?? '';
  if (req.method === 'POST' && url.pathname === '/' && contentType.includes('x-www-form-urlencoded')) {
    const params = new URLSearchParams(body);
    const operation = params.get('Action') ?? '';
    // IAM and STS both speak awsQuery at `/`: the API version (and the signing scope) tells them apart.
    const scope = parseAuthorization(req.headers.authorization);
    if (params.get('Version') === IAM_VERSION || (!params.get('Version') && scope?.service === 'iam'))
      return {
        service: 'iam',
        operation,
        input: Object.fromEntries(params),
        run: (ctx) => handleIam(ctx, operation, params),
      };
    return {
      service: 'sts',
      operation,
      input: Object.fromEntries(params),
      run: (ctx) => handleSts(ctx, operation, params),
    };
  }
  if (parseAuthorization(req.headers.authorization)?.service === 's3') {
    const method = req.method ?? 'GET';
    const { operation, bucket, key } = s3Operation(method, url.pathname, url.searchParams);
    const lock = req.headers['x-amz-object-lock-mode'];
    return {
      service: 's3',
      operation,
      input: { bucket, key, ...(lock ? { objectLockMode: lock } : {}) },
      run: (ctx) =>
        handleS3(ctx.state.s3, {
          method,
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
          accountId: ctx.accountId,
          now: ctx.state.now(),
        }),
    };
  }
  const route = routeGuardDuty(req.method ?? 'GET', url.pathname);
  if (!route) {
    const op = `${req.method} ${url.pathname}`;
    return {
      service: 'guardduty',
      operation: op,
      input: {},
      run: () => {
        throw new AwsServiceError('UnknownOperationException', 404, `No operation matches ${op}.`);
      },
    };
  }
  const json = parseJson(body, 'guardduty');
  const labels = {
    ...(route.detectorId !== undefined ? { detectorId: route.detectorId } : {}),
    ...(route.filterName !== undefined ? { filterName: route.filterName } : {}),
  };
  return {
    service: 'guardduty',
    operation: route.operation,
    input: { ...labels, ...Object.fromEntries(url.searchParams), ...json },
    run: (ctx) => handleGuardDuty(ctx, { route, query: url.searchParams, body: json }),
  };
}

const QUERY_NS: Partial<Record<ServiceName, string>> = { sts: STS_NS, iam: IAM_NS };

function successReply(p: Parsed, result: unknown, requestId: string): Reply {
  if (p.service === 's3') {
    const r = result as S3Reply;
    return new Reply(r.status, r.headers, r.body);
  }
  const ns = QUERY_NS[p.service];
  if (ns)
    return new Reply(
      200,
      { 'content-type': 'text/xml' },
      querySuccessXml(ns, p.operation, result as string | undefined, requestId),
    );
  const type = p.service === 'ecs' ? 'application/x-amz-json-1.1' : 'application/json';
  return new Reply(200, { 'content-type': type }, JSON.stringify(result));
}

function errorReply(service: ServiceName, err: AwsServiceError, requestId: string): Reply {
  if (service === 's3')
    return new Reply(err.status, { 'content-type': 'application/xml' }, s3ErrorXml(err, requestId));
  const ns = QUERY_NS[service];
  if (ns) return new Reply(err.status, { 'content-type': 'text/xml' }, queryErrorXml(ns, err, requestId));
  if (service === 'ecs')
    return new Reply(
      err.status,
      { 'content-type': 'application/x-amz-json-1.1' },
      JSON.stringify({ __type: err.code, message: err.message }),
    );
  return new Reply(
    err.status,
    { 'content-type': 'application/json', 'x-amzn-errortype': err.code },
    JSON.stringify({ message: err.message, __type: err.bodyType ?? err.code }),
  );
}

/** The principal behind the request, or the protocol's authentication error. */
function authenticate(
  state: AwsState,
  req: IncomingMessage,
  service: ServiceName,
): { principal: Principal; region: string } {
  const scope = parseAuthorization(req.headers.authorization);
  const principal = scope ? state.principal(scope.accessKeyId) : undefined;
  if (!scope || !principal) throw unrecognizedClient(service);
  if (principal.sessionToken && req.headers['x-amz-security-token'] !== principal.sessionToken)
    throw unrecognizedClient(service);
  if (principal.expiresAt !== undefined && state.now() >= principal.expiresAt) throw expiredToken(service);
  return { principal, region: scope.region };
}

const sleep = (ms: number) =>
  new Promise<void>((r) => {
    setTimeout(r, ms).unref();
  });

export async function startAwsEmulator(opts: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const homeAccountId = opts.homeAccountId ?? '111122223333';
  const credentials = {
    accessKeyId: opts.accessKeyId ?? 'AKIAEMULATORHOME0001',
    secretAccessKey: opts.secretAccessKey ?? 'emulator-home-secret-access-key',
  };
  const state = new AwsState({
    homeAccountId,
    homeAccessKeyId: credentials.accessKeyId,
    homeSecretAccessKey: credentials.secretAccessKey,
    now: opts.now ?? Date.now,
  });
  const faults = new Faults();
  const log = new CallLog();

  async function respond(req: IncomingMessage): Promise<Reply> {
    const at = state.now();
    const requestId = randomUUID();
    const body = await readBody(req);
    let parsed: Parsed | undefined;
    let record: CallRecord | undefined;
    let reply: Reply;
    try {
      parsed = parseRequest(req, body);
      const scope = parseAuthorization(req.headers.authorization);
      record = {
        service: parsed.service,
        operation: parsed.operation,
        accountId: undefined,
        region: scope?.region,
        input: parsed.input,
        accessKeyId: scope?.accessKeyId,
        at,
        status: 200,
      };
      const { principal, region } = authenticate(state, req, parsed.service);
      // A role session issued before the role's "revoke older sessions" deny is useless, as in AWS.
      if (sessionRevoked(state, principal))
        throw explicitDeny(parsed.service, principal.arn, parsed.operation);
      record.accountId = principal.accountId;
      if (principal.session?.sourceIdentity) record.sourceIdentity = principal.session.sourceIdentity;
      const fault = faults.take({
        service: parsed.service,
        operation: parsed.operation,
        accountId: principal.accountId,
        region,
      });
      if (fault?.latencyMs) await sleep(fault.latencyMs);
      if (fault?.kind)
        throw faultError(parsed.service, fault.kind, {
          principalArn: principal.arn,
          operation: parsed.operation,
        });
      const result = parsed.run({ state, principal, accountId: principal.accountId, region });
      reply = successReply(parsed, result, requestId);
    } catch (err) {
      const e =
        err instanceof AwsServiceError
          ? err
          : new AwsServiceError(
              parsed?.service === 'ecs' ? 'ServerException' : 'InternalServerErrorException',
              500,
              (err as Error).message,
            );
      reply = errorReply(parsed?.service ?? 'guardduty', e, requestId);
      if (record) record.errorCode = e.code;
    }
    if (record) {
      record.status = reply.status;
      log.add(record);
    }
    return new Reply(reply.status, { ...reply.headers, 'x-amzn-requestid': requestId }, reply.body);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    callLatency(opts.latency)
      .then(() => respond(req))
      .then(
        (r) => {
          res.writeHead(r.status, { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) });
          res.end(r.body);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  return {
    url,
    port,
    homeAccountId,
    state,
    faults,
    credentials,
    calls: (filter) => log.list(filter),
    clearCalls: () => log.clear(),
    env: (region) => ({
      AWS_ENDPOINT_URL: url,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
