/**
 * A fake AWS SDK v3 client for fast tests: `send(command)` records the command (its operation,
 * from the class name, and its input) and answers what the test set for that operation — an
 * output, a function of the input, or an error to throw. Unset operations answer `{}`. Outputs
 * get `$metadata` like the SDK's, with a request id per call.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { IAMClient } from '@aws-sdk/client-iam';

export interface SentCall {
  /** `StopTask` for a `StopTaskCommand`. */
  op: string;
  // biome-ignore lint/suspicious/noExplicitAny: inputs of every command type; tests read the fields they expect.
  input: any;
}

// biome-ignore lint/suspicious/noExplicitAny: an answer for any command's input.
type Answer = unknown | Error | ((input: any) => unknown);

export class FakeAwsClient {
  readonly calls: SentCall[] = [];
  private readonly always = new Map<string, Answer>();
  private readonly queued = new Map<string, Answer[]>();

  /** Every `op` call answers this (after the `once` answers are used up). */
  on(op: string, answer: Answer): this {
    this.always.set(op, answer);
    return this;
  }

  /** The next `op` call answers this (queued in order). */
  once(op: string, answer: Answer): this {
    this.queued.set(op, [...(this.queued.get(op) ?? []), answer]);
    return this;
  }

  async send(command: { input?: unknown }): Promise<unknown> {
    const op = command.constructor.name.replace(/Command$/, '');
    this.calls.push({ op, input: structuredClone(command.input) });
    const q = this.queued.get(op);
    const a = q?.length ? q.shift() : this.always.get(op);
    const out = typeof a === 'function' ? await (a as (i: unknown) => unknown)(command.input) : a;
    if (out instanceof Error) throw out;
    return {
      ...(out as object | undefined),
      $metadata: { httpStatusCode: 200, requestId: `rid-${op}-${this.calls.length}`, attempts: 1 },
    };
  }

  /** The operations sent, in order. */
  ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  // biome-ignore lint/suspicious/noExplicitAny: see SentCall.input.
  inputs(op: string): any[] {
    return this.calls.filter((c) => c.op === op).map((c) => c.input);
  }

  get asEcs(): ECSClient {
    return this as unknown as ECSClient;
  }
  get asGuardDuty(): GuardDutyClient {
    return this as unknown as GuardDutyClient;
  }
  get asIam(): IAMClient {
    return this as unknown as IAMClient;
  }
}

/** An error shaped like the SDK's service exceptions (name = AWS error code, `$metadata`, `$fault`). */
export function awsError(
  name: string,
  message: string,
  opts: { status?: number; requestId?: string } = {},
): Error {
  const status = opts.status ?? 400;
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: opts.requestId ?? `rid-${name}` },
  });
}
