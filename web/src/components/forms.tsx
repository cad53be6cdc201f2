/**
 * Form plumbing. `useApiForm` (react-hook-form: field state, dirty tracking, client checks) sends the values, keeps
 * the API's error and puts each `validation_failed` problem beside its field; `TextField`, `SelectField`,
 * `CheckField` and `FormActions` are the pieces every form repeats. `useSubmit` serves actions that are not a form
 * of fields (a button that calls the API); `useActions` the several buttons and small forms of one card.
 */
import { useCallback, useRef, useState, type BaseSyntheticEvent, type FormEvent, type ReactNode } from 'react';
import {
  useForm,
  type DefaultValues,
  type FieldValues,
  type Path,
  type RegisterOptions,
  type UseFormReturn,
} from 'react-hook-form';
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

export interface Actions {
  /** Run one action (others wait while `busy`); true when it succeeded, after `onDone` ran. */
  run: (action: () => Promise<unknown>) => Promise<boolean>;
  busy: boolean;
  /** The last action's failure, for the card's ErrorBanner (cleared when the next one starts). */
  error: unknown;
  clearError: () => void;
}

/**
 * The actions of one card or panel (its buttons that call the API, a small form kept in state): one at a time, the
 * last failure kept, `onDone` (read the card again) after each that succeeds. `run` keeps its identity.
 */
export function useActions(onDone?: () => void): Actions {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const done = useRef(onDone);
  done.current = onDone;

  const run = useCallback(async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await action();
      done.current?.();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { run, busy, error, clearError };
}

export function useSubmit(action: () => Promise<void>): Submit {
  const { run: runAction, busy, error, clearError } = useActions();
  const run = useCallback(() => runAction(action), [runAction, action]);

  return {
    onSubmit: (e: FormEvent) => {
      e.preventDefault();
      if (!busy) void run();
    },
    run,
    busy,
    error,
    clearError,
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

export interface ApiForm<T extends FieldValues> extends UseFormReturn<T> {
  /** Pass as the form's onSubmit. */
  onSubmit: (e?: BaseSyntheticEvent) => void;
  busy: boolean;
  /** The last failed request (for ErrorBanner). */
  error: unknown;
  /** The message beside one field: a client check or the server's problem for it. */
  fieldError: (name: string) => string | null;
}

/** A form of fields sent to the API. Values are strings/booleans as the inputs hold them; `submit` shapes the body. */
export function useApiForm<T extends FieldValues>(
  defaultValues: DefaultValues<T>,
  submit: (values: T) => Promise<void>,
): ApiForm<T> {
  const form = useForm<T>({ defaultValues });
  const [error, setError] = useState<unknown>(null);
  const handle = form.handleSubmit(async (values) => {
    setError(null);
    try {
      await submit(values);
    } catch (e) {
      setError(e);
      if (e instanceof ApiError) {
        for (const p of e.problems) {
          const name = p.field.replace(/^body\./, '');
          if (name in values) form.setError(name as Path<T>, { type: 'server', message: p.message });
        }
      }
    }
  });
  const { errors } = form.formState; // read during render: react-hook-form re-renders on change
  return {
    ...form,
    onSubmit: (e) => void handle(e),
    busy: form.formState.isSubmitting,
    error,
    fieldError: (name) => {
      const m = (errors as Record<string, { message?: unknown } | undefined>)[name]?.message;
      return typeof m === 'string' && m ? m : null;
    },
  };
}

interface FieldProps<T extends FieldValues> {
  form: ApiForm<T>;
  name: Path<T>;
  /** The input's id (tests and labels use it). */
  id: string;
  label: string;
  hint?: ReactNode;
  rules?: RegisterOptions<T, Path<T>>;
}

export function TextField<T extends FieldValues>({
  form,
  name,
  id,
  label,
  hint,
  rules,
  type = 'text',
  rows,
  ...input
}: FieldProps<T> & {
  type?: 'text' | 'email' | 'password' | 'url' | 'number' | 'datetime-local' | 'search' | 'tel';
  /** A textarea of this many rows. */
  rows?: number;
  placeholder?: string;
  autoFocus?: boolean;
  autoComplete?: string;
  spellCheck?: boolean;
  maxLength?: number;
  /** The id of a `<datalist>` of suggestions (an input, not a textarea). */
  list?: string;
  /** Bounds of a number input (the browser's stepper; the API checks the value). */
  min?: number;
  max?: number;
}) {
  const error = form.fieldError(name);
  const aria = { 'aria-invalid': error ? true : undefined, 'aria-describedby': error ? `${id}-error` : undefined };
  return (
    <Field label={label} htmlFor={id} error={error} hint={hint}>
      {rows ? (
        <textarea id={id} rows={rows} {...aria} {...input} {...form.register(name, rules)} />
      ) : (
        <input id={id} type={type} {...aria} {...input} {...form.register(name, rules)} />
      )}
    </Field>
  );
}

export function SelectField<T extends FieldValues>({
  form,
  name,
  id,
  label,
  hint,
  rules,
  options,
  disabled,
}: FieldProps<T> & { options: readonly { value: string; text: string }[]; disabled?: boolean }) {
  const error = form.fieldError(name);
  return (
    <Field label={label} htmlFor={id} error={error} hint={hint}>
      <select id={id} aria-invalid={error ? true : undefined} disabled={disabled} {...form.register(name, rules)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.text}
          </option>
        ))}
      </select>
    </Field>
  );
}

export function CheckField<T extends FieldValues>({ form, name, id, label }: Omit<FieldProps<T>, 'hint' | 'rules'>) {
  return (
    <label className="check" htmlFor={id}>
      <input id={id} type="checkbox" {...form.register(name)} /> {label}
    </label>
  );
}

/** The submit button (with its busy text) and an optional Cancel. */
export function FormActions({
  busy,
  submit,
  busyText,
  disabled,
  onCancel,
  remove,
  children,
}: {
  busy: boolean;
  submit: string;
  busyText?: string;
  /** The submit button is off (the form is not complete yet) even when not busy. */
  disabled?: boolean;
  onCancel?: () => void;
  /** A destructive action at the far end of the row (delete what the form edits), asked once more inline. */
  remove?: { label: string; confirmLabel: string; onConfirm: () => void };
  children?: ReactNode;
}) {
  return (
    <div className="form-actions">
      <button type="submit" className="btn btn-primary" disabled={busy || disabled}>
        {busy ? (busyText ?? `${submit}…`) : submit}
      </button>
      {onCancel && (
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      )}
      {children}
      {remove && (
        <span className="push-right">
          <ConfirmButton label={remove.label} confirmLabel={remove.confirmLabel} onConfirm={remove.onConfirm} />
        </span>
      )}
    </div>
  );
}
