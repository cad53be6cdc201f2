/**
 * The editable script of a game day or scenario: expected actions and timed injects (minutes after the start), as
 * react-hook-form field arrays. Shared by the plan form and the scenario library's form.
 */
import { useFieldArray, type Control, type UseFormRegister } from 'react-hook-form';
import type { ScriptInject } from './types.js';

export interface ScriptValues {
  expectedActions: { body: string }[];
  injects: { minutes: string; body: string }[];
}

export const toScriptValues = (actions: string[], injects: ScriptInject[]): ScriptValues => ({
  expectedActions: actions.map((body) => ({ body })),
  injects: injects.map((i) => ({ minutes: String(Math.round((i.offsetSeconds / 60) * 100) / 100), body: i.body })),
});

export const fromScriptValues = (v: ScriptValues): { expectedActions: string[]; injects: ScriptInject[] } => ({
  expectedActions: v.expectedActions.map((a) => a.body.trim()).filter(Boolean),
  injects: v.injects
    .filter((i) => i.body.trim())
    .map((i) => ({ offsetSeconds: Math.max(0, Math.round(Number(i.minutes || '0') * 60)), body: i.body.trim() })),
});

/**
 * The form's control and register. The form's values include `ScriptValues` and more; react-hook-form's types are
 * invariant in the values, so the pieces are taken as they are and used as a form of `ScriptValues`.
 */
interface ScriptForm {
  control: unknown;
  register: unknown;
}
const asScript = (f: ScriptForm) => ({
  control: f.control as Control<ScriptValues>,
  register: f.register as UseFormRegister<ScriptValues>,
});

export function ExpectedActionsField({ form, idPrefix }: { form: ScriptForm; idPrefix: string }) {
  const { control, register } = asScript(form);
  const { fields, append, remove } = useFieldArray({ control, name: 'expectedActions' });
  return (
    <fieldset className="gd-script">
      <legend>Expected actions</legend>
      <p className="field-hint">
        What the team should do. The facilitator ticks each one done or missed during the drill.
      </p>
      <ol className="gd-script-list">
        {fields.map((f, n) => (
          <li key={f.id} className="gd-script-row">
            <label className="sr-only" htmlFor={`${idPrefix}-action-${n}`}>
              Expected action {n + 1}
            </label>
            <input id={`${idPrefix}-action-${n}`} maxLength={500} {...register(`expectedActions.${n}.body`)} />
            <button
              type="button"
              className="btn btn-small btn-ghost gd-remove"
              aria-label={`Remove expected action ${n + 1}`}
              onClick={() => remove(n)}
            >
              <span aria-hidden="true">✕</span>
            </button>
          </li>
        ))}
      </ol>
      <button type="button" className="btn btn-small" onClick={() => append({ body: '' })}>
        Add an expected action
      </button>
    </fieldset>
  );
}

export function InjectsField({ form, idPrefix }: { form: ScriptForm; idPrefix: string }) {
  const { control, register } = asScript(form);
  const { fields, append, remove } = useFieldArray({ control, name: 'injects' });
  return (
    <fieldset className="gd-script">
      <legend>Injects</legend>
      <p className="field-hint">
        The timed script: each inject appears in the drill room&apos;s timeline this many minutes after the start.
      </p>
      <ol className="gd-script-list">
        {fields.map((f, n) => (
          <li key={f.id} className="gd-script-row gd-inject-row">
            <span className="gd-inject-min">
              <label htmlFor={`${idPrefix}-inject-${n}-min`}>Minute</label>
              <input
                id={`${idPrefix}-inject-${n}-min`}
                type="number"
                min={0}
                max={1440}
                step="any"
                inputMode="decimal"
                {...register(`injects.${n}.minutes`)}
              />
            </span>
            <span className="gd-inject-body">
              <label htmlFor={`${idPrefix}-inject-${n}-body`}>Inject {n + 1}</label>
              <textarea
                id={`${idPrefix}-inject-${n}-body`}
                rows={2}
                maxLength={2000}
                {...register(`injects.${n}.body`)}
              />
            </span>
            <button
              type="button"
              className="btn btn-small btn-ghost gd-remove"
              aria-label={`Remove inject ${n + 1}`}
              onClick={() => remove(n)}
            >
              <span aria-hidden="true">✕</span>
            </button>
          </li>
        ))}
      </ol>
      <button type="button" className="btn btn-small" onClick={() => append({ minutes: '', body: '' })}>
        Add an inject
      </button>
    </fieldset>
  );
}
