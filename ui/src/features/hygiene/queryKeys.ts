// The hygiene findings are computed from the cache, so any change or sync can settle one.
export const FINDINGS_KEY = ['hygiene-findings'] as const;
