import { describeError } from './describeError';

interface ErrorNoticeProps {
  error: unknown;
  testId?: string;
}

export function ErrorNotice({ error, testId = 'error' }: ErrorNoticeProps) {
  const { title, detail } = describeError(error);
  return (
    <div className="notice notice--error" role="alert" data-testid={testId}>
      <strong>{title}</strong>
      <span>{detail}</span>
    </div>
  );
}
