import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { sourceFiles } from './aws-usage.js';

/**
 * Bot scopes each Slack Web API method needs (docs.slack.dev method pages). `[]` = no scope
 * (auth.test, views.*, chat.getPermalink). A method missing here fails the manifest test, so a
 * new call gets a deliberate scope decision.
 */
export const METHOD_SCOPES: Record<string, string[]> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.scheduleMessage': ['chat:write'],
  'chat.getPermalink': [],
  'views.open': [],
  'views.update': [],
  'views.push': [],
  'views.publish': [],
  'users.info': ['users:read'],
  'users.list': ['users:read'],
  'usergroups.users.list': ['usergroups:read'],
  'usergroups.list': ['usergroups:read'],
  // Public and private channels; ecs-guard does not post to DMs.
  'conversations.info': ['channels:read', 'groups:read'],
  'conversations.members': ['channels:read', 'groups:read'],
  // The audit channel's anchors are read back (public or private channel).
  'conversations.history': ['channels:history', 'groups:history'],
  'conversations.join': ['channels:join'],
  'reactions.add': ['reactions:write'],
  'reactions.remove': ['reactions:write'],
};

const FAMILIES =
  'auth|chat|views|users|usergroups|conversations|reactions|files|pins|bookmarks|team|bots|apps';
const CALL_RE = new RegExp(`\\.(${FAMILIES})\\.([a-zA-Z]+(?:\\.[a-zA-Z]+)?)\\s*\\(`, 'g');
const API_CALL_RE = /\bapiCall\(\s*['"`]([\w.]+)['"`]/g;
// Bolt's `say()` is chat.postMessage to the current channel.
const SAY_RE = /\bsay\(/;

export function slackMethodsIn(source: string): Set<string> {
  const src = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out = new Set<string>();
  for (const m of src.matchAll(CALL_RE)) out.add(`${m[1]}.${m[2]}`);
  for (const m of src.matchAll(API_CALL_RE)) out.add(m[1] as string);
  if (SAY_RE.test(src)) out.add('chat.postMessage');
  return out;
}

/** Slack methods the code calls, with the files calling each. */
export function scanSlackUsage(root: string, dirs: string[], exclude: string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const file of sourceFiles(root, dirs, exclude)) {
    const rel = relative(root, file).split(sep).join('/');
    for (const method of slackMethodsIn(readFileSync(file, 'utf8'))) {
      if (!out.has(method)) out.set(method, new Set());
      out.get(method)?.add(rel);
    }
  }
  return out;
}
