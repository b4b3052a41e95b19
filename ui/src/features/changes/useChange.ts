import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import type { ChangeOutcome } from '../../ipc';
import { USERS_KEY } from '../users/queryKeys';
import { AUDIT_KEY, CONFLICTS_KEY, GRANTS_KEY, OUTBOX_KEY, USER_DETAIL_KEY } from './queryKeys';

/** Every read a change can make stale. */
export const CHANGED_BY_A_CHANGE = [USERS_KEY, USER_DETAIL_KEY, GRANTS_KEY, OUTBOX_KEY, CONFLICTS_KEY, AUDIT_KEY];

/**
 * Runs change commands (`run(() => assignRole(…))`) and keeps the last outcome or error for the
 * screen to show. Whatever happened, the screens' reads are refreshed: a refusal is audited,
 * a queued change shows in the outbox.
 */
export function useChange() {
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<ChangeOutcome | null>(null);
  const mutation = useMutation({
    mutationFn: (command: () => Promise<ChangeOutcome>) => command(),
    onMutate: () => setOutcome(null),
    onSuccess: (result) => setOutcome(result),
    onSettled: async () => {
      await Promise.all(CHANGED_BY_A_CHANGE.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
    },
  });
  return {
    run: (command: () => Promise<ChangeOutcome>) => mutation.mutate(command),
    outcome,
    error: mutation.isError ? mutation.error : null,
    busy: mutation.isPending,
  };
}
