/**
 * The public status page, from the incident room: publish the incident (public title, impact, affected components
 * and their status, the first update) and post public updates until it is resolved on the page. What customers
 * read: the internal title, severity and people never appear there. Same API as `muster` and scripts use
 * (`/api/status-page/incidents/:id`).
 */
import { useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Card } from '../../components/ui.js';
import { ApiError, api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { useUser } from '../../lib/session.js';
import {
  COMPONENT_STATUS_LABELS,
  PUBLIC_STATUS_LABELS,
  type ComponentStatus,
  type PublicStatus,
} from '../../lib/status-page.js';
import { useApi } from '../../lib/use-api.js';
import type { IncidentDetail } from './types.js';

interface Publication {
  publication: {
    title: string;
    impact: string;
    status: PublicStatus;
    components: { componentId: string; status: ComponentStatus }[];
    resolvedAt: string | null;
  };
  updates: { id: string; status: string; body: string; postedAt: string; postedByLabel: string }[];
}

/** Component id → status; absent: not affected (not listed on the incident). */
type Affected = Record<string, ComponentStatus>;

function ComponentPicker({
  components,
  value,
  onChange,
}: {
  components: { id: string; name: string }[];
  value: Affected;
  onChange: (v: Affected) => void;
}) {
  if (components.length === 0) {
    return <p className="muted">No components yet: an administrator adds them (API: /api/status-page/components).</p>;
  }
  return (
    <fieldset className="component-picker">
      <legend>Affected components</legend>
      {components.map((c) => {
        const status = value[c.id];
        return (
          <div key={c.id} className="row">
            <label htmlFor={`pc-${c.id}`}>
              <input
                id={`pc-${c.id}`}
                type="checkbox"
                checked={status !== undefined}
                onChange={(e) => {
                  const next = { ...value };
                  if (e.target.checked) next[c.id] = 'partial_outage';
                  else delete next[c.id];
                  onChange(next);
                }}
              />{' '}
              {c.name}
            </label>{' '}
            {status !== undefined && (
              <select
                aria-label={`${c.name} status`}
                value={status}
                onChange={(e) => onChange({ ...value, [c.id]: e.target.value as ComponentStatus })}
              >
                {Object.entries(COMPONENT_STATUS_LABELS).map(([s, label]) => (
                  <option key={s} value={s}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}

const asList = (a: Affected) => Object.entries(a).map(([componentId, status]) => ({ componentId, status }));

export function PublicStatusPanel({ detail }: { detail: IncidentDetail }) {
  const user = useUser();
  const path = `/api/status-page/incidents/${encodeURIComponent(detail.incident.id)}`;
  const pub = useApi<Publication>(path);
  const components = useApi<{ components: { id: string; name: string }[] }>('/api/status-page/components');
  const notPublished = pub.error instanceof ApiError && pub.error.code === 'incident_not_published';
  if (pub.error && !notPublished) {
    return (
      <Card title="Public status page">
        <ErrorBanner error={pub.error} />
      </Card>
    );
  }
  const list = components.data?.components ?? [];
  return (
    <Card title="Public status page">
      {notPublished ? (
        <PublishForm detail={detail} components={list} path={path} onDone={pub.reload} />
      ) : pub.data ? (
        <>
          <p>
            Published as <strong>{pub.data.publication.title}</strong>:{' '}
            <span data-testid="public-status">{pub.data.publication.status}</span> ·{' '}
            <a href="/status" target="_blank" rel="noreferrer">
              view the page
            </a>
          </p>
          <ul className="plain public-updates">
            {pub.data.updates.slice(0, 3).map((u) => (
              <li key={u.id}>
                <strong>{u.status}</strong> <span className="muted">{formatTime(u.postedAt, user.timezone)}</span>
                <div className="prewrap">{u.body}</div>
              </li>
            ))}
          </ul>
          {!pub.data.publication.resolvedAt && (
            <UpdateForm publication={pub.data} components={list} path={path} onDone={pub.reload} />
          )}
        </>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </Card>
  );
}

function PublishForm({
  detail,
  components,
  path,
  onDone,
}: {
  detail: IncidentDetail;
  components: { id: string; name: string }[];
  path: string;
  onDone: () => void;
}) {
  const [title, setTitle] = useState(detail.incident.title);
  const [impact, setImpact] = useState('');
  const [message, setMessage] = useState('');
  const [affected, setAffected] = useState<Affected>({});
  const submit = useSubmit(async () => {
    await api.post(path, {
      title: title.trim(),
      impact: impact.trim(),
      components: asList(affected),
      ...(message.trim() ? { message: message.trim() } : {}),
    });
    onDone();
  });
  return (
    <form onSubmit={submit.onSubmit} aria-label="Publish on the status page">
      <p className="muted">Not on the public page. Customers see only what you write here.</p>
      <ErrorBanner error={submit.error} fields={['title', 'impact', 'message']} />
      <Field label="Public title" htmlFor="pub-title" error={submit.fieldError('title')}>
        <input id="pub-title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={300} />
      </Field>
      <Field label="Customer impact" htmlFor="pub-impact" error={submit.fieldError('impact')}>
        <textarea
          id="pub-impact"
          rows={2}
          value={impact}
          placeholder="What customers notice, in their words"
          onChange={(e) => setImpact(e.target.value)}
        />
      </Field>
      <ComponentPicker components={components} value={affected} onChange={setAffected} />
      <Field
        label="First update"
        htmlFor="pub-message"
        error={submit.fieldError('message')}
        hint="Leave empty for the standard “Investigating” text."
      >
        <textarea id="pub-message" rows={2} value={message} onChange={(e) => setMessage(e.target.value)} />
      </Field>
      <button type="submit" className="btn" disabled={submit.busy || !title.trim()}>
        Publish
      </button>
    </form>
  );
}

function UpdateForm({
  publication,
  components,
  path,
  onDone,
}: {
  publication: Publication;
  components: { id: string; name: string }[];
  path: string;
  onDone: () => void;
}) {
  const current = publication.publication;
  const [status, setStatus] = useState<PublicStatus>(current.status);
  const [message, setMessage] = useState('');
  const [affected, setAffected] = useState<Affected>(
    Object.fromEntries(current.components.map((c) => [c.componentId, c.status])),
  );
  const submit = useSubmit(async () => {
    await api.post(`${path}/updates`, {
      status,
      components: asList(affected),
      ...(message.trim() ? { message: message.trim() } : {}),
    });
    setMessage('');
    onDone();
  });
  return (
    <form onSubmit={submit.onSubmit} aria-label="Post a public update">
      <ErrorBanner error={submit.error} fields={['message']} />
      <Field label="Public status" htmlFor="pub-status">
        <select id="pub-status" value={status} onChange={(e) => setStatus(e.target.value as PublicStatus)}>
          {Object.entries(PUBLIC_STATUS_LABELS).map(([s, label]) => (
            <option key={s} value={s}>
              {label}
            </option>
          ))}
        </select>
      </Field>
      <ComponentPicker components={components} value={affected} onChange={setAffected} />
      <Field
        label="Public update"
        htmlFor="pub-update"
        error={submit.fieldError('message')}
        hint="Leave empty for the standard text of the status."
      >
        <textarea id="pub-update" rows={2} value={message} onChange={(e) => setMessage(e.target.value)} />
      </Field>
      <button type="submit" className="btn" disabled={submit.busy}>
        Post public update
      </button>
    </form>
  );
}
