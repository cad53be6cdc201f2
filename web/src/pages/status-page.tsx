/**
 * Setting up the public status page: its components (what customers see, each with the status an administrator
 * sets when no incident or maintenance says otherwise) and who is subscribed. Publishing an incident happens in the
 * incident room. Everyone signed in can look; administrators change (the API enforces it too).
 */
import { useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../components/forms.js';
import { Card, Empty, LoadError, Loading, PageHeader } from '../components/ui.js';
import { api } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { useUser } from '../lib/session.js';
import { COMPONENT_STATUS_LABELS, type ComponentStatus } from '../lib/status-page.js';
import { useApi } from '../lib/use-api.js';

interface StatusComponent {
  id: string;
  name: string;
  description: string;
  status: ComponentStatus;
}

interface Subscriber {
  id: string;
  kind: string;
  address: string;
  confirmedAt: string | null;
  createdAt: string;
  componentIds: string[];
}

export function StatusPageSetupPage() {
  const user = useUser();
  const components = useApi<{ components: StatusComponent[] }>('/api/status-page/components');
  const subscribers = useApi<{ subscribers: Subscriber[] }>(user.isAdmin ? '/api/status-page/subscribers' : null);
  const names = new Map((components.data?.components ?? []).map((c) => [c.id, c.name]));
  return (
    <>
      <PageHeader
        title="Status page"
        subtitle={
          <>
            What customers see at{' '}
            <a href="/status" target="_blank" rel="noreferrer">
              /status
            </a>
            . Publish incidents from the incident room.
          </>
        }
      />
      <Card title="Components">
        {components.error ? (
          <LoadError error={components.error} retry={components.reload} />
        ) : !components.data ? (
          <Loading what="Loading components" />
        ) : components.data.components.length === 0 ? (
          <Empty>No components yet.{user.isAdmin ? ' Add the first one below.' : ''}</Empty>
        ) : (
          <table className="table" aria-label="Components">
            <thead>
              <tr>
                <th>Component</th>
                <th>Status when nothing is published</th>
              </tr>
            </thead>
            <tbody>
              {components.data.components.map((c) => (
                <tr key={c.id}>
                  <td>
                    <strong>{c.name}</strong>
                    {c.description && <div className="muted small">{c.description}</div>}
                  </td>
                  <td>
                    {user.isAdmin ? (
                      <ComponentStatusSelect component={c} onChanged={components.reload} />
                    ) : (
                      COMPONENT_STATUS_LABELS[c.status]
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {user.isAdmin && <AddComponent onAdded={components.reload} />}
      </Card>
      {user.isAdmin && (
        <Card title="Subscribers">
          {subscribers.error ? (
            <LoadError error={subscribers.error} retry={subscribers.reload} />
          ) : !subscribers.data ? (
            <Loading what="Loading subscribers" />
          ) : subscribers.data.subscribers.length === 0 ? (
            <Empty>Nobody has subscribed yet. Customers subscribe on the public page.</Empty>
          ) : (
            <table className="table" aria-label="Subscribers">
              <thead>
                <tr>
                  <th>Address</th>
                  <th>Follows</th>
                  <th>Since</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {subscribers.data.subscribers.map((s) => (
                  <tr key={s.id}>
                    <td>
                      {s.address} <span className="muted small">{s.kind}</span>
                      {!s.confirmedAt && <span className="muted small"> · not confirmed yet</span>}
                    </td>
                    <td>
                      {s.componentIds.length
                        ? s.componentIds.map((id) => names.get(id) ?? id).join(', ')
                        : 'every component'}
                    </td>
                    <td>{formatTime(s.createdAt, user.timezone)}</td>
                    <td>
                      <RemoveSubscriber subscriber={s} onRemoved={subscribers.reload} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      )}
    </>
  );
}

function ComponentStatusSelect({ component, onChanged }: { component: StatusComponent; onChanged: () => void }) {
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <select
        aria-label={`${component.name} status`}
        value={component.status}
        onChange={(e) => {
          setError(null);
          api
            .patch(`/api/status-page/components/${encodeURIComponent(component.id)}`, { status: e.target.value })
            .then(onChanged, setError);
        }}
      >
        {(Object.keys(COMPONENT_STATUS_LABELS) as ComponentStatus[]).map((s) => (
          <option key={s} value={s}>
            {COMPONENT_STATUS_LABELS[s]}
          </option>
        ))}
      </select>
      <ErrorBanner error={error} />
    </>
  );
}

function AddComponent({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const submit = useSubmit(async () => {
    await api.post('/api/status-page/components', { name: name.trim(), description: description.trim() });
    setName('');
    setDescription('');
    onAdded();
  });
  return (
    <form onSubmit={submit.onSubmit} aria-label="Add a component" className="add-component">
      <ErrorBanner error={submit.error} fields={['name', 'description']} />
      <Field label="New component" htmlFor="component-name" error={submit.fieldError('name')}>
        <input
          id="component-name"
          value={name}
          placeholder="What customers know it as: Checkout, Website, API"
          onChange={(e) => setName(e.target.value)}
          maxLength={200}
        />
      </Field>
      <Field label="Description" htmlFor="component-description" error={submit.fieldError('description')}>
        <input id="component-description" value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      <button type="submit" className="btn" disabled={submit.busy || !name.trim()}>
        Add component
      </button>
    </form>
  );
}

function RemoveSubscriber({ subscriber, onRemoved }: { subscriber: Subscriber; onRemoved: () => void }) {
  const submit = useSubmit(async () => {
    await api.del(`/api/status-page/subscribers/${encodeURIComponent(subscriber.id)}`);
    onRemoved();
  });
  return (
    <>
      <button
        type="button"
        className="btn btn-small"
        disabled={submit.busy}
        aria-label={`Remove ${subscriber.address}`}
        onClick={() => void submit.run()}
      >
        Remove
      </button>
      <ErrorBanner error={submit.error} />
    </>
  );
}
