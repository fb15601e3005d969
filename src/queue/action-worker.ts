import type { AppContext } from '../context.js';
import type { Service } from '../service.js';

/** Runs approved actions (stop-task, archive, enable, disable) from the actions queue. */
export function startActionWorker(_ctx: AppContext): Service[] {
  return [];
}
