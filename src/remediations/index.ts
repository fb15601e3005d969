/**
 * THE list of remediations. Adding one = one file in this folder + one line here; the listener,
 * request, approval policy, job, audit, card button and Restore all follow from its definition
 * (see types.ts and /docs/ARCHITECTURE.md).
 */
import { archive } from './archive.js';
import { disableMonitoring, enableMonitoring } from './cluster-monitoring.js';
import { contain } from './contain.js';
import { holdService } from './hold-service.js';
import { redeploy } from './redeploy.js';
import { revokeSessions } from './revoke-sessions.js';
import { stopImageTasksRemediation } from './stop-image-tasks.js';
import { stopTask } from './stop-task.js';
import { suppress } from './suppress.js';
import type { Remediation, RemediationButton } from './types.js';

export const REMEDIATIONS = [
  stopTask,
  archive,
  enableMonitoring,
  disableMonitoring,
  redeploy,
  holdService,
  stopImageTasksRemediation,
  revokeSessions,
  contain,
  suppress,
] as const;

/** The one vocabulary: a remediation's name (request `action`, job name, audit `action`). */
export type RemediationName = (typeof REMEDIATIONS)[number]['name'];

// biome-ignore lint/suspicious/noExplicitAny: each remediation has its own input type; the engine validates it with the schema.
export type AnyRemediation = Remediation<any>;

const BY_NAME = new Map<string, AnyRemediation>(REMEDIATIONS.map((r) => [r.name, r]));

/** The remediation called `name`, or undefined (an unknown name in a stored request or a policy). */
export const remediation = (name: string): AnyRemediation | undefined => BY_NAME.get(name);

/** Its label, for messages about a request ("Stop task"); the name itself when unknown. */
export const remediationLabel = (name: string): string => BY_NAME.get(name)?.label ?? name;

/** The remediations offered as buttons on a finding card, in registry order. */
export const FINDING_CARD_REMEDIATIONS: readonly (AnyRemediation & { button: RemediationButton })[] =
  REMEDIATIONS.filter(
    (r): r is (typeof REMEDIATIONS)[number] & { button: RemediationButton } =>
      'button' in r && r.button?.on === 'finding-card',
  );
