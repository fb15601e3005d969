import type { WebClient } from '@slack/web-api';
import type { SlackPacing } from '../slack/pacing/index.js';
import type { Anchor, AnchorLog, AnchorRead } from './anchor-log.js';
import { hmacHex, keyId, macEquals } from './hash.js';

/** conversations.history pages read per verify (newest first). */
const PAGES = 5;
const PAGE_SIZE = 200;
const ANCHOR_RE =
  /^ecs-guard audit anchor · chain ([0-9a-f]{12}) · record (\d+) · hash ([0-9a-f]{64}) · mac ([0-9a-f]{64})$/;

/**
 * Anchors as messages in the audit channel (ECS_GUARD_AUDIT_CHANNEL), read back with
 * conversations.history. Each carries a MAC under the audit key, and only the bot's own messages
 * count, so a member of the channel cannot plant anchors.
 */
export class SlackAnchorLog implements AnchorLog {
  readonly where: string;
  private readonly kid: string;
  private self: Promise<{ botId?: string; userId?: string }> | undefined;

  constructor(
    private readonly slack: WebClient,
    private readonly channel: string,
    private readonly key: string,
    /** Takes the channel's post slot like every other post (absent in tests of the log alone). */
    private readonly pacing?: SlackPacing,
  ) {
    this.where = `Slack channel ${channel}`;
    this.kid = keyId(key);
  }

  private mac(seq: number, hash: string): string {
    return hmacHex(this.key, `anchor\n${seq}\n${hash}`);
  }

  async post(a: { seq: number; hash: string }): Promise<{ ts: string }> {
    const text = `ecs-guard audit anchor · chain ${this.kid} · record ${a.seq} · hash ${a.hash} · mac ${this.mac(a.seq, a.hash)}`;
    const args = { channel: this.channel, text, unfurl_links: false };
    const res = this.pacing ? await this.pacing.post(args) : await this.slack.chat.postMessage(args);
    return { ts: String(res.ts) };
  }

  async read(opts: { at?: string } = {}): Promise<AnchorRead> {
    this.self ??= this.slack.auth.test().then(
      (r) => ({ botId: r.bot_id, userId: r.user_id }),
      (err: unknown) => {
        this.self = undefined;
        throw err;
      },
    );
    const me = await this.self;
    const out: AnchorRead = { anchors: [], ignored: 0 };
    const take = (messages: { text?: string; ts?: string; bot_id?: string; user?: string }[] = []) => {
      for (const m of messages) {
        const match = ANCHOR_RE.exec(m.text ?? '');
        if (!match || !m.ts) continue;
        const mine = (me.botId && m.bot_id === me.botId) || (me.userId && m.user === me.userId);
        const [, kid, seqText, hash, mac] = match as unknown as [string, string, string, string, string];
        const seq = Number(seqText);
        if (!mine || kid !== this.kid || !macEquals(mac, this.mac(seq, hash))) {
          out.ignored++;
          continue;
        }
        if (!out.anchors.some((a: Anchor) => a.ts === m.ts)) out.anchors.push({ seq, hash, ts: m.ts });
      }
    };
    let cursor: string | undefined;
    for (let page = 0; page < PAGES; page++) {
      const res = await this.slack.conversations.history({
        channel: this.channel,
        limit: PAGE_SIZE,
        ...(cursor ? { cursor } : {}),
      });
      take(res.messages as never);
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!res.has_more || !cursor) break;
    }
    if (opts.at && !out.anchors.some((a) => a.ts === opts.at)) {
      const res = await this.slack.conversations.history({
        channel: this.channel,
        oldest: opts.at,
        latest: opts.at,
        inclusive: true,
        limit: 1,
      });
      take(res.messages as never);
    }
    out.anchors.sort((a, b) => b.seq - a.seq);
    return out;
  }
}
