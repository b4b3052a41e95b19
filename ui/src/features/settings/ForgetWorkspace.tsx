import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { forgetWorkspace, toIpcError } from '../../ipc';

interface ForgetWorkspaceProps {
  profileName: string;
  /** The core has signed out, deleted the cache and closed the workspace: leave it. */
  onForgotten: () => void;
  /** Shows the Outbox, where queued changes can be pushed instead of discarded. */
  onOpenOutbox?: () => void;
}

/**
 * "Forget this workspace on this computer": a button, then a confirmation that says what goes.
 * The core refuses while changes are queued (`usage`); only then is discarding them offered, as a
 * second, explicit step, so one click can never lose work that has not reached the IAM.
 */
export function ForgetWorkspace({ profileName, onForgotten, onOpenOutbox }: ForgetWorkspaceProps) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  // The core's refusal ("2 change(s) are still in the outbox…"), kept once seen: discarding stays
  // the offer even if the discarding attempt itself then fails for another reason.
  const [queued, setQueued] = useState<string | null>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const forget = useMutation({
    mutationFn: (discardQueued: boolean) => forgetWorkspace(discardQueued),
    onSuccess: onForgotten,
    onError: (error) => {
      const refusal = toIpcError(error);
      if (refusal.code === 'usage') setQueued(refusal.message);
    },
  });
  // The refusal is shown as the queued notice; any other failure as an error.
  const failure = forget.error && toIpcError(forget.error).code !== 'usage' ? forget.error : null;

  const cancel = () => {
    setConfirming(false);
    setQueued(null);
    forget.reset();
    // Focus goes back where it came from, as when a modal dialog closes.
    trigger.current?.focus();
  };

  return (
    <div className="forget-workspace">
      <button
        ref={trigger}
        type="button"
        className="danger"
        data-testid="forget-workspace"
        aria-expanded={confirming}
        onClick={() => setConfirming(true)}
      >
        {t('settings.forget.button')}
      </button>
      {confirming && (
        <ConfirmForget
          profileName={profileName}
          busy={forget.isPending}
          queued={queued}
          failure={failure}
          onForget={(discardQueued) => forget.mutate(discardQueued)}
          onOpenOutbox={onOpenOutbox}
          onCancel={cancel}
        />
      )}
    </div>
  );
}

interface ConfirmForgetProps {
  profileName: string;
  busy: boolean;
  /** The core's message when it refused because changes are queued. */
  queued: string | null;
  failure: unknown;
  onForget: (discardQueued: boolean) => void;
  onOpenOutbox: (() => void) | undefined;
  onCancel: () => void;
}

/**
 * The confirmation, as an alert dialog: focus moves to Cancel (the safe choice), Escape cancels.
 * Refused because of queued changes, it shows the core's count and offers to discard them.
 */
function ConfirmForget({ profileName, busy, queued, failure, onForget, onOpenOutbox, onCancel }: ConfirmForgetProps) {
  const { t } = useTranslation();
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div
      className="notice confirm-forget"
      role="alertdialog"
      aria-labelledby="confirm-forget-title"
      aria-describedby="confirm-forget-deletes"
      data-testid="confirm-forget"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !busy) onCancel();
      }}
    >
      <strong id="confirm-forget-title">{t('settings.forget.title', { profile: profileName })}</strong>
      <div id="confirm-forget-deletes">
        <span>{t('settings.forget.deletes')}</span>
        <ul>
          <li>{t('settings.forget.session')}</li>
          <li>{t('settings.forget.cache')}</li>
          <li>{t('settings.forget.outbox')}</li>
          <li>{t('settings.forget.audit')}</li>
          <li>{t('settings.forget.reviews')}</li>
        </ul>
        <span>{t('settings.forget.directoryUnchanged')}</span>
      </div>
      {queued !== null && (
        <div className="notice notice--error" role="alert" data-testid="forget-queued">
          <strong>{t('settings.forget.queued')}</strong>
          <span>{queued}</span>
        </div>
      )}
      {failure !== null && <ErrorNotice error={failure} testId="forget-error" />}
      <div className="actions">
        {queued !== null ? (
          <>
            <button
              type="button"
              className="danger"
              data-testid="forget-discard"
              disabled={busy}
              onClick={() => onForget(true)}
            >
              {busy ? t('settings.forget.forgetting') : t('settings.forget.discard')}
            </button>
            {onOpenOutbox && (
              <button type="button" data-testid="forget-open-outbox" disabled={busy} onClick={onOpenOutbox}>
                {t('settings.forget.openOutbox')}
              </button>
            )}
          </>
        ) : (
          <button
            type="button"
            className="danger"
            data-testid="forget-confirm"
            disabled={busy}
            onClick={() => onForget(false)}
          >
            {busy ? t('settings.forget.forgetting') : t('settings.forget.confirm')}
          </button>
        )}
        <button type="button" ref={cancel} data-testid="forget-cancel" disabled={busy} onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </div>
  );
}
