import type { TFunction } from 'i18next';

import { en } from '../../app/i18n/en';

type Actions = typeof en.audit.actions;
/** An audit action code this UI has words for, e.g. `role.assign`. */
type KnownAction = { [Area in keyof Actions]: `${Area}.${keyof Actions[Area] & string}` }[keyof Actions];
type KnownOutcome = keyof typeof en.audit.outcomes;

/** Every action code this UI has words for, in the order its texts list them (the Audit screen's filter). */
export const KNOWN_ACTIONS: readonly KnownAction[] = Object.entries(en.audit.actions).flatMap(([area, verbs]) =>
  Object.keys(verbs).map((verb) => `${area}.${verb}` as KnownAction),
);

function isKnownAction(action: string): action is KnownAction {
  const [area, verb, ...rest] = action.split('.');
  if (area === undefined || verb === undefined || rest.length > 0 || !Object.hasOwn(en.audit.actions, area)) {
    return false;
  }
  return Object.hasOwn(en.audit.actions[area as keyof Actions], verb);
}

function isKnownOutcome(outcome: string): outcome is KnownOutcome {
  return Object.hasOwn(en.audit.outcomes, outcome);
}

/**
 * The audit log records what happened as codes (`role.assign`, `applied`), the same in every
 * language and in the export; the table shows them in the admin's language. A code this UI
 * does not know (written by a newer Bailiwick) is shown as it is.
 */
export function actionLabel(t: TFunction, action: string): string {
  return isKnownAction(action) ? t(`audit.actions.${action}`) : action;
}

export function outcomeLabel(t: TFunction, outcome: string): string {
  return isKnownOutcome(outcome) ? t(`audit.outcomes.${outcome}`) : outcome;
}
