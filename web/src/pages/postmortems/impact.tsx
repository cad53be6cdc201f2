/**
 * The impact section: what Muster measured (duration, services, alerts, pages, people paged, status-page
 * components, minutes of public impact) and what only people know (customers affected, revenue impact, notes).
 */
import { ErrorBanner, FormActions, TextField, useApiForm } from '../../components/forms.js';
import { api } from '../../lib/api.js';
import { seconds } from '../incidents/types.js';
import type { EditorContext } from './editor.js';
import { pmPath, type Postmortem } from './types.js';

interface OverrideValues {
  customersAffected: string;
  revenueImpact: string;
  notes: string;
}

const str = (v: string | number | null | undefined) => (v === null || v === undefined ? '' : String(v));
const list = (xs: { name: string }[]) => (xs.length ? xs.map((x) => x.name).join(', ') : 'none');

export function ImpactSection({ ctx }: { ctx: EditorContext }) {
  const { pm, setPm, canEdit } = ctx;
  const i = pm.impact;
  const o = i.overrides ?? {};
  const form = useApiForm<OverrideValues>(
    { customersAffected: str(o.customersAffected), revenueImpact: str(o.revenueImpact), notes: str(o.notes) },
    async (v) => {
      // Strings as written ("about 1,200"); an empty field clears the override.
      const res = await api.patch<Postmortem>(pmPath(pm.id), {
        impact: {
          customersAffected: v.customersAffected.trim(),
          revenueImpact: v.revenueImpact.trim(),
          notes: v.notes.trim(),
        },
        baseRevision: pm.revision,
      });
      setPm(res);
      form.reset(v);
    },
  );
  const facts: [string, string][] = [
    ['Duration', i.durationSeconds === null ? '—' : seconds(i.durationSeconds)],
    ['Services', list(i.services)],
    ['Alerts', String(i.alertCount)],
    ['Pages sent', String(i.pageCount)],
    ['People paged', list(i.peoplePaged)],
    ['Status page', list(i.statusComponents)],
    ['Public impact', i.publicImpactMinutes === null ? '—' : `${i.publicImpactMinutes} min`],
  ];
  return (
    <div className="pm-impact">
      <dl className="facts pm-facts" data-testid="impact-facts">
        {facts.map(([k, v]) => (
          <div key={k} className="pm-fact">
            <dt>{k}</dt>
            <dd className="break">{v}</dd>
          </div>
        ))}
      </dl>
      {canEdit ? (
        <form className="subform" aria-label="Impact in numbers" onSubmit={form.onSubmit}>
          <div className="pm-entry-fields">
            <TextField
              form={form}
              name="customersAffected"
              id="pm-customers"
              label="Customers affected"
              hint="A number or an estimate: “about 1,200”."
            />
            <TextField
              form={form}
              name="revenueImpact"
              id="pm-revenue"
              label="Revenue impact"
              hint="E.g. “€4,300 in failed orders”."
            />
          </div>
          <TextField form={form} name="notes" id="pm-impact-notes" label="Impact notes" rows={2} />
          <ErrorBanner error={form.error} fields={['customersAffected', 'revenueImpact', 'notes']} />
          <FormActions busy={form.busy} submit="Save impact" busyText="Saving…" disabled={!form.formState.isDirty} />
        </form>
      ) : (
        <dl className="facts pm-facts">
          <div className="pm-fact">
            <dt>Customers affected</dt>
            <dd>{str(o.customersAffected) || '—'}</dd>
          </div>
          <div className="pm-fact">
            <dt>Revenue impact</dt>
            <dd>{str(o.revenueImpact) || '—'}</dd>
          </div>
          {o.notes && (
            <div className="pm-fact">
              <dt>Notes</dt>
              <dd className="prewrap">{o.notes}</dd>
            </div>
          )}
        </dl>
      )}
    </div>
  );
}
