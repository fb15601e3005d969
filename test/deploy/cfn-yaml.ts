import { readFileSync } from 'node:fs';
import { parse, type Tags } from 'yaml';

/** CloudFormation's short-form intrinsic functions (`!Ref`, `!Sub`, …) and their long forms. */
const INTRINSICS = [
  'Base64',
  'Cidr',
  'Condition',
  'Equals',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'And',
  'Not',
  'Or',
  'Ref',
  'Select',
  'Split',
  'Sub',
  'Transform',
];

const longName = (fn: string) => (fn === 'Ref' || fn === 'Condition' ? fn : `Fn::${fn}`);

/** Custom tags so `yaml` turns `!Sub 'x'` into `{ 'Fn::Sub': 'x' }`, as CloudFormation does. */
export const CFN_TAGS: Tags = INTRINSICS.flatMap((fn) => {
  const key = longName(fn);
  return [
    {
      tag: `!${fn}`,
      // `!GetAtt Res.Attr` is the short form of `['Res', 'Attr']`.
      resolve: (s: string) => ({ [key]: fn === 'GetAtt' ? s.split(/\.(.*)/s, 2) : s }),
    },
    {
      tag: `!${fn}`,
      collection: 'seq' as const,
      resolve: (n: { toJSON(): unknown }) => ({ [key]: n.toJSON() }),
    },
    {
      tag: `!${fn}`,
      collection: 'map' as const,
      resolve: (n: { toJSON(): unknown }) => ({ [key]: n.toJSON() }),
    },
  ];
});

export interface CfnTemplate {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, { Type: string; NoEcho?: boolean; Default?: unknown; [k: string]: unknown }>;
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }>;
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
}

export function parseCfn(text: string): CfnTemplate {
  return parse(text, { customTags: CFN_TAGS, strict: true, uniqueKeys: true }) as CfnTemplate;
}

export const readCfn = (path: string): CfnTemplate => parseCfn(readFileSync(path, 'utf8'));

/** Every `{ Ref }`, `{ Fn::GetAtt }` and `${Name}` in `Fn::Sub` inside a template value. */
export function references(value: unknown): { refs: string[]; getAtts: string[] } {
  const refs: string[] = [];
  const getAtts: string[] = [];
  const subVars = (s: string, locals: Set<string>) => {
    for (const m of s.matchAll(/\$\{([^}!]+)\}/g)) {
      const name = (m[1] as string).trim();
      if (locals.has(name)) continue;
      if (name.includes('.')) getAtts.push(name.split('.')[0] as string);
      else refs.push(name);
    }
  };
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (typeof o.Ref === 'string') refs.push(o.Ref);
    const ga = o['Fn::GetAtt'];
    if (Array.isArray(ga) && typeof ga[0] === 'string') getAtts.push(ga[0]);
    const sub = o['Fn::Sub'];
    if (typeof sub === 'string') subVars(sub, new Set());
    else if (Array.isArray(sub) && typeof sub[0] === 'string') {
      const locals = (sub[1] ?? {}) as Record<string, unknown>;
      subVars(sub[0], new Set(Object.keys(locals)));
      walk(locals);
    }
    for (const [k, child] of Object.entries(o)) if (k !== 'Fn::Sub') walk(child);
  };
  walk(value);
  return { refs, getAtts };
}

/** Every IAM policy document under a resource's properties (inline role policies, queue policies). */
export function policyDocuments(props: Record<string, unknown> | undefined): unknown[] {
  const out: unknown[] = [];
  for (const p of (props?.Policies ?? []) as { PolicyDocument?: unknown }[]) out.push(p.PolicyDocument);
  if (props?.PolicyDocument) out.push(props.PolicyDocument);
  return out;
}
