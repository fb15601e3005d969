import type { App } from '@slack/bolt';
import type { AppContext } from '../../context.js';

/** Registers the card buttons (Stop task, Archive, ECS context, Approve, Reject, Retry). */
export function registerActions(_app: App, _ctx: AppContext): void {}
