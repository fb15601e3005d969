import type { App } from '@slack/bolt';
import type { AppContext } from '../../../context.js';
import { registerSuppressView } from './suppress-submit.js';

/** Registers the modal submissions: Suppress similar's form. */
export function registerViews(app: App, ctx: AppContext): void {
  registerSuppressView(app, ctx);
}
