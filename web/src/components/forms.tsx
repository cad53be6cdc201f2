/** Form plumbing: a submit helper that keeps the API error, field errors beside inputs, and an error banner. */
import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, errorMessage } from '../lib/api.js';

export interface Submit {
  /** Pass as onSubmit; prevents the default and runs the action once at a time. */
  onSubmit: (e: FormEvent) => void;
  /** Run the action directly (buttons outside a form). */
  run: () => Promise<boolean>;
  busy: boolean;
  error: unknown;
  clearError: () => void;
  fieldError: (field: string) => string | null;
}

export function useSubmit(action: () => Promise<void>): Submit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const run = useCallback(async (): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }, [action]);

  return {
    onSubmit: (e: FormEvent) => {
      e.preventDefault();
      if (!busy) void run();
    },
    run,
    busy,
    error,
    clearError: () => setError(null),
    fieldError: (field) => (error instanceof ApiError ? error.fieldError(field) : null),
  };
}

/** The message of a failed request; for validation_failed, the problems not shown beside a field of this form. */
export function ErrorBanner({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  const problems =
    error instanceof ApiError && error.code === 'validation_failed'
      ? error.problems.filter((p) => !fields.some((f) => p.field === f || p.field === `body.${f}`))
      : [];
  // Every problem already shows beside its field: the banner only says so.
  const allBesideFields =
    error instanceof ApiError && error.code === 'validation_failed' && error.problems.length > 0 && !problems.length;
  return (
    <div className="banner banner-error" role="alert">
      <strong>{allBesideFields ? 'Check the highlighted fields.' : errorMessage(error)}</strong>
      {problems.length > 0 && (
        <ul>
          {problems.map((p) => (
            <li key={p.field + p.message}>
              <code>{p.field}</code> {p.message}
            </li>
          ))}
        </ul>
      )}
      {error instanceof ApiError && error.requestId && <div className="muted small">Request {error.requestId}</div>}
    </div>
  );
}

export function Field({
  label,
  htmlFor,
  error,
  hint,
  children,
}: {
  label: string;
  htmlFor: string;
  error?: string | null;
  hint?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {error ? (
        <div className="field-error" id={`${htmlFor}-error`} role="alert">
          {label} {error}
        </div>
      ) : hint ? (
        <div className="field-hint">{hint}</div>
      ) : null}
    </div>
  );
}

/** A destructive action that asks once more inline instead of a blocking dialog. */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  disabled,
}: {
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button
        type="button"
        className="btn btn-small btn-ghost-danger"
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  return (
    <span className="confirm">
      <button
        type="button"
        className="btn btn-small btn-danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="btn btn-small btn-ghost" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
