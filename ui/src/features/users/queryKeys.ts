export const STATUS_KEY = ['status'] as const;
export const USERS_KEY = ['users'] as const;
