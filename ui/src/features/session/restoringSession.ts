import { createContext, useContext } from 'react';

/**
 * Whether the resumed workspace's stored session is being restored (a token refresh at the
 * IAM) while its cached data is already on screen. Until it is known, the header says so and
 * holds back Sync, which would refresh the same token a second time.
 */
export const RestoringSession = createContext(false);

export function useRestoringSession(): boolean {
  return useContext(RestoringSession);
}
