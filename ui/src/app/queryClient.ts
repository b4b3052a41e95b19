import { QueryClient } from '@tanstack/react-query';

/**
 * Reads come from the local cache through the core, so they are cheap and never stale on
 * their own: they change when a sync or a sign-in says so (the mutations invalidate them).
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: Infinity, retry: false, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}
