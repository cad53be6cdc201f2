/**
 * Paging groups of a service (docs/alerts.md): which of its alerts share one page. Alerts of a group that arrive while
 * its page is open join it instead of paging again; the page says how many alerts it stands for.
 */
import { useState } from 'react';
import { ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../../components/forms.js';
import { Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import type { PagingGroupMode, PagingGroups, Service } from '../alerts/types.js';

const MODES: readonly { value: PagingGroupMode; text: string }[] = [
  { value: 'alertmanager', text: 'By alert group (Alertmanager group, or alert name)' },
  { value: 'labels', text: 'By labels' },
  { value: 'window', text: 'Everything within a time window' },
  { value: 'per_alert', text: 'Page for every alert' },
];

/** What each mode does, in a sentence. */
export function pagingGroupsText(g: PagingGroups): string {
  switch (g.mode) {
    case 'alertmanager':
      return 'Alerts of one Alertmanager group (for other sources: alerts with the same name) share one page.';
    case 'labels':
      return `Alerts with the same ${g.labels.join(', ') || '(no labels chosen)'} share one page.`;
    case 'window':
      return `Every alert within ${g.windowMinutes} minutes of a page joins it.`;
    case 'per_alert':
      return 'Every alert pages on its own.';
  }
}

interface Values {
  mode: PagingGroupMode;
  labels: string;
  windowMinutes: string;
}

/** The service's paging groups and (for its team's admins: the API refuses others) a form to change them. */
export function PagingGroupsCard({ service, onSaved }: { service: Service; onSaved: () => void }) {
  const current = service.pagingGroups;
  const [editing, setEditing] = useState(false);
  return (
    <Card title="Paging groups">
      <p>{current ? pagingGroupsText(current) : 'Alerts of one Alertmanager group share one page.'}</p>
      <p className="muted small">
        While a page is open, new alerts of its group join it instead of paging again; the page lists them.
        Acknowledging or resolving the page acts on all of them.
      </p>
      {editing && current ? (
        <PagingGroupsForm
          service={service}
          current={current}
          onDone={() => {
            setEditing(false);
            onSaved();
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <button type="button" className="btn" onClick={() => setEditing(true)}>
          Change paging groups
        </button>
      )}
    </Card>
  );
}

function PagingGroupsForm({
  service,
  current,
  onDone,
  onCancel,
}: {
  service: Service;
  current: PagingGroups;
  onDone: () => void;
  onCancel: () => void;
}) {
  const form = useApiForm<Values>(
    { mode: current.mode, labels: current.labels.join(', '), windowMinutes: String(current.windowMinutes) },
    async (v) => {
      const labels = v.labels
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean);
      const minutes = Number(v.windowMinutes);
      await api.patch(`/api/services/${encodeURIComponent(service.id)}`, {
        pagingGroups: {
          mode: v.mode,
          ...(v.mode === 'labels' || labels.length ? { labels } : {}),
          ...(v.mode === 'window' ? { windowMinutes: minutes } : {}),
        },
      });
      onDone();
    },
  );
  const mode = form.watch('mode');
  return (
    <form onSubmit={form.onSubmit} noValidate aria-label="Paging groups" className="subform">
      <ErrorBanner error={form.error} fields={['mode', 'labels', 'windowMinutes']} />
      <SelectField form={form} name="mode" id="pg-mode" label="Group alerts" options={MODES} />
      {mode === 'labels' && (
        <TextField
          form={form}
          name="labels"
          id="pg-labels"
          label="Labels"
          placeholder="cluster, namespace"
          hint="Label names, separated by commas: alerts with the same values share a page."
          rules={{
            validate: (v: string) => v.split(',').some((l) => l.trim()) || 'Name at least one label.',
          }}
        />
      )}
      {mode === 'window' && (
        <TextField
          form={form}
          name="windowMinutes"
          id="pg-window"
          label="Window (minutes)"
          type="number"
          min={1}
          max={1440}
          hint="Alerts within this many minutes of a page join it."
          rules={{
            validate: (v: string) =>
              (Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= 1440) || 'From 1 to 1440 minutes.',
          }}
        />
      )}
      <FormActions busy={form.busy} submit="Save paging groups" busyText="Saving…" onCancel={onCancel} />
    </form>
  );
}
