/** The open (else the last) review with its items. */
export const REVIEW_KEY = ['review'] as const;
