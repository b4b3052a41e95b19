import { useTranslation } from 'react-i18next';

import type { PushReport } from '../../ipc';

/** "Sent: 3 applied, …": what a push did, as the outbox, an import and a review submission say it. */
export function PushReportText({ report }: { report: PushReport }) {
  const { t } = useTranslation();
  const { applied, failed, conflicts, remaining, stopped } = report;
  return (
    <>
      {t('common.pushReport', { applied, failed, conflicts, remaining })}
      {stopped ? t('common.pushStopped', { reason: stopped }) : ''}
    </>
  );
}
