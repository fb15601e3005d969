/**
 * Where the audit chain head is anchored outside Redis. An anchor names a record (sequence and
 * hash); a verifier later reads the anchors back and checks the chain in Redis still holds them,
 * so deleting the newest records or rewriting history (even with the key) is detected.
 */
export interface Anchor {
  seq: number;
  hash: string;
  /** Where the anchor lives (a Slack message ts). */
  ts: string;
}

export interface AnchorRead {
  /** This chain's anchors whose MAC checks, newest first. */
  anchors: Anchor[];
  /** Anchor-looking messages ignored: another key (rotation, another deployment) or a bad MAC. */
  ignored: number;
}

export interface AnchorLog {
  /** Human name of the place, e.g. `Slack channel C0123`. */
  readonly where: string;
  post(a: { seq: number; hash: string }): Promise<{ ts: string }>;
  /** The newest anchors, plus the one at `at` (the trimmed chain's start) when given. */
  read(opts?: { at?: string }): Promise<AnchorRead>;
}
