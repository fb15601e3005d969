/**
 * Slash-command argument parsing. Pure: text in, tokens or a parse result out, coded errors for
 * anything a person typed wrong (the dispatcher turns them into a usage reply).
 */
import { EcsGuardError, ErrorCode } from '../src/errors.js';

/**
 * Splits command text into words like a shell does: whitespace separates, "double" and
 * 'single' quotes group (quotes removed), a backslash escapes the next character. Slack's
 * "smart" quotes count as quotes, since the Slack client substitutes them while typing.
 */
export function tokenize(text: string): string[] {
  const s = text.replace(/[\u201C\u201D]/g, '"').replace(/[\u2018\u2019]/g, "'");
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inToken = true;
    } else if (ch === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
    } else {
      cur += ch;
      inToken = true;
    }
  }
  if (quote) throw new EcsGuardError(ErrorCode.InvalidInput, `unclosed ${quote} quote`);
  if (inToken) out.push(cur);
  return out;
}

export type FlagKind = 'string' | 'boolean';

export interface ArgSpec {
  /** Flag names without `--` and their kind. `share` is always accepted. */
  flags: Record<string, FlagKind>;
  /** Names of the positional arguments, in order (for messages). */
  positional: string[];
  /** How many positionals are required (the rest are optional). */
  required?: number;
}

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | true>;
  share: boolean;
}

const invalid = (msg: string) => new EcsGuardError(ErrorCode.InvalidInput, msg);

/** Parses tokens against a spec: `--flag value`, `--flag=value`, boolean `--flag`. */
export function parseArgs(tokens: string[], spec: ArgSpec): ParsedArgs {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  let share = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t.startsWith('--') && t.length > 2) {
      const eq = t.indexOf('=');
      const name = (eq > 0 ? t.slice(2, eq) : t.slice(2)).toLowerCase();
      if (name === 'share') {
        if (eq > 0) throw invalid('--share takes no value');
        share = true;
        continue;
      }
      const kind = spec.flags[name];
      if (!kind) throw invalid(`unknown flag --${name}`);
      if (name in flags) throw invalid(`--${name} given twice`);
      if (kind === 'boolean') {
        if (eq > 0) throw invalid(`--${name} takes no value`);
        flags[name] = true;
        continue;
      }
      const value = eq > 0 ? t.slice(eq + 1) : tokens[++i];
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('--')))
        throw invalid(`--${name} needs a value`);
      flags[name] = value;
      continue;
    }
    positional.push(t);
  }
  const required = spec.required ?? 0;
  if (positional.length < required) {
    throw invalid(
      `missing ${spec.positional
        .slice(positional.length, required)
        .map((p) => `<${p}>`)
        .join(' ')}`,
    );
  }
  if (positional.length > spec.positional.length) {
    throw invalid(`unexpected argument "${positional[spec.positional.length]}"`);
  }
  return { positional, flags, share };
}

// ---- value validators (each throws InvalidInput with a reason a person understands) ----------

export function accountIdArg(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{12}$/.test(v)) throw invalid(`--account must be a 12-digit AWS account id, not "${v}"`);
  return v;
}

export function regionArg(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(v))
    throw invalid(`--region must be an AWS region such as us-east-1, not "${v}"`);
  return v;
}

/** ECS cluster names: up to 255 letters, digits, hyphens and underscores (or a cluster ARN's name). */
export function clusterArg(v: string): string {
  const name = v.startsWith('arn:') ? v.slice(v.lastIndexOf('/') + 1) : v;
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) throw invalid(`"${v}" is not an ECS cluster name`);
  return name;
}

/** `30m`, `24h`, `7d`, `2w` → milliseconds. */
export function durationArg(v: string, flag = '--since'): number {
  const m = /^(\d+)([mhdw])$/.exec(v.trim().toLowerCase());
  if (!m) throw invalid(`${flag} must be a duration such as 30m, 24h or 7d, not "${v}"`);
  const n = Number(m[1]);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm' | 'h' | 'd' | 'w'];
  if (n <= 0 || n * unit > 90 * 86_400_000) throw invalid(`${flag} must be between 1m and 90d`);
  return n * unit;
}

export function intArg(v: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(v)) throw invalid(`${name} must be a whole number, not "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw invalid(`${name} must be between ${min} and ${max}`);
  return n;
}

/** A user argument: `<@U123|alice>` (escaped mention), `@U123` or `U123` → id; `@alice` → name. */
export function userArg(v: string): { id: string } | { name: string } {
  const m = /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/.exec(v) ?? /^@?([UW][A-Z0-9]{2,})$/.exec(v);
  if (m) return { id: m[1] as string };
  const n = /^@?([a-z0-9][a-z0-9._-]{0,79})$/i.exec(v);
  if (n) return { name: (n[1] as string).toLowerCase() };
  throw invalid(`--user must be a Slack user such as @alice, not "${v}"`);
}
