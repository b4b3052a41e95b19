import { describeError } from './describeError';

interface ErrorNoticeProps {
  error: unknown;
  testId?: string;
}

export function ErrorNotice({ error, testId = 'error' }: ErrorNoticeProps) {
  const { title, detail, rule } = describeError(error);
  return (
    <div className="notice notice--error" role="alert" data-testid={testId}>
      <strong>{title}</strong>
      {rule && (
        <span className="chip" data-testid="refusal-rule" aria-label="Policy rule">
          {rule}
        </span>
      )}
      <span>{detail}</span>
    </div>
  );
}
