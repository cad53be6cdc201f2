/**
 * "Same as an earlier incident": the incident's links (docs/insights.md "Recurrence"), add one by the other incident's
 * id or link, remove one. A link counts as a recurrence in insights.
 */
import { useCallback, useEffect, useState } from 'react';
import { ConfirmButton, ErrorBanner, FormActions, TextField, useApiForm } from '../../components/forms.js';
import { Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { Link } from '../../lib/router.js';

interface IncidentLink {
  incidentId: string;
  title: string;
  note: string;
  createdByLabel: string;
}

/** An incident id, or a pasted link to its room (…/incidents/<id>). */
const idOf = (text: string): string => {
  const m = /\/incidents\/([^/?#\s]+)/.exec(text);
  return (m ? m[1]! : text).trim();
};

export function SameAsPanel({ incidentId }: { incidentId: string }) {
  const base = `/api/incidents/${encodeURIComponent(incidentId)}/links`;
  const [links, setLinks] = useState<IncidentLink[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api
      .get<{ links: IncidentLink[] }>(`/api/insights/recurrence/incidents/${encodeURIComponent(incidentId)}`)
      .then((r) => setLinks(r.links), setError);
  }, [incidentId]);
  useEffect(load, [load]);

  const form = useApiForm({ relatedIncidentId: '', note: '' }, async (v) => {
    const r = await api.post<{ links: IncidentLink[] }>(base, {
      relatedIncidentId: idOf(v.relatedIncidentId),
      note: v.note.trim() || undefined,
    });
    setLinks(r.links);
    form.reset();
  });
  const remove = async (other: string) => {
    setError(null);
    try {
      const r = await api.del<{ links: IncidentLink[] }>(`${base}/${encodeURIComponent(other)}`);
      setLinks(r.links);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Card title="Same as an earlier incident">
      <ErrorBanner error={error} />
      {links && links.length > 0 && (
        <ul className="plain-list" aria-label="Linked incidents" data-testid="same-as-links">
          {links.map((l) => (
            <li key={l.incidentId}>
              <Link to={`/incidents/${encodeURIComponent(l.incidentId)}`}>{l.title || l.incidentId}</Link>
              {l.note && <span className="muted small"> — {l.note}</span>}
              <span className="muted small"> (linked by {l.createdByLabel})</span>{' '}
              <ConfirmButton label="Unlink" confirmLabel="Unlink" onConfirm={() => void remove(l.incidentId)} />
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={form.onSubmit} aria-label="Link an earlier incident">
        <TextField
          form={form}
          name="relatedIncidentId"
          id="same-as-incident"
          label="Earlier incident"
          hint="Its id or a link to its room. Linked incidents count as a recurrence."
          rules={{ required: 'Enter the earlier incident' }}
          maxLength={300}
        />
        <TextField
          form={form}
          name="note"
          id="same-as-note"
          label="What makes them the same (optional)"
          maxLength={500}
        />
        <ErrorBanner error={form.error} fields={['relatedIncidentId', 'note']} />
        <FormActions busy={form.busy} submit="Link incident" busyText="Linking…" />
      </form>
    </Card>
  );
}
