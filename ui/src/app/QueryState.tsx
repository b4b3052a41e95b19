import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

import { ErrorNotice } from './ErrorNotice';

interface QueryStateProps<T> {
  query: Pick<UseQueryResult<T>, 'isPending' | 'isError' | 'error' | 'data'>;
  /** Prefix of the states' test ids: `<name>-loading`, `<name>-error`, `<name>-empty`. */
  name: string;
  /** What is being read, said while it loads ("Loading grants…"). */
  loading: string;
  /** When the data counts as empty; `empty` is shown instead of `children` then. */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

/** The loading, error and empty states every list screen has, the same way everywhere. */
export function QueryState<T>({ query, name, loading, isEmpty, empty, children }: QueryStateProps<T>) {
  if (query.isPending) {
    return (
      <div className="table-state" data-testid={`${name}-loading`} aria-busy="true">
        {loading}
      </div>
    );
  }
  if (query.isError) return <ErrorNotice error={query.error} testId={`${name}-error`} />;
  // Neither pending nor failed: the data is there.
  const data = query.data as T;
  if (isEmpty?.(data)) {
    return (
      <div className="table-state" data-testid={`${name}-empty`}>
        {empty}
      </div>
    );
  }
  return <>{children(data)}</>;
}
