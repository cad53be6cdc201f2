/** Tasks of the incident: add one (optionally assigned), tick it done. */
import { useState, type FormEvent } from 'react';
import { ErrorBanner } from '../../components/forms.js';
import { Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { incidentPath, type IncidentDetail, type UserLite } from './types.js';

export function TasksPanel({
  detail,
  users,
  onChanged,
}: {
  detail: IncidentDetail;
  users: UserLite[];
  onChanged: () => void;
}) {
  const base = incidentPath(detail.incident.id);
  const [title, setTitle] = useState('');
  const [assignee, setAssignee] = useState('');
  const [error, setError] = useState<unknown>(null);
  const names = new Map(users.map((u) => [u.id, u.name || u.email]));

  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      onChanged();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await run(() => api.post(`${base}/tasks`, { title: title.trim(), assigneeUserId: assignee || null }));
    if (ok) setTitle('');
  };

  return (
    <Card title="Tasks">
      <ErrorBanner error={error} />
      {detail.tasks.length === 0 ? (
        <p className="muted small">No tasks yet.</p>
      ) : (
        <ul className="plain-list task-list" aria-label="Tasks">
          {detail.tasks.map((t) => (
            <li key={t.id} className={t.isDone ? 'task task-done' : 'task'}>
              <label>
                <input
                  type="checkbox"
                  checked={t.isDone}
                  onChange={(e) =>
                    void run(() => api.patch(`${base}/tasks/${encodeURIComponent(t.id)}`, { isDone: e.target.checked }))
                  }
                />{' '}
                {t.title}
              </label>
              {t.assigneeUserId && <span className="muted small"> — {names.get(t.assigneeUserId) ?? 'someone'}</span>}
            </li>
          ))}
        </ul>
      )}
      <form className="inline-form" onSubmit={(e) => void add(e)} aria-label="Add a task">
        <label className="sr-only" htmlFor="task-title">
          New task
        </label>
        <input id="task-title" placeholder="New task" value={title} onChange={(e) => setTitle(e.target.value)} />
        <label className="sr-only" htmlFor="task-assignee">
          Assignee
        </label>
        <select id="task-assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
          <option value="">Unassigned</option>
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name || u.email}
            </option>
          ))}
        </select>
        <button type="submit" className="btn btn-small" disabled={!title.trim()}>
          Add task
        </button>
      </form>
    </Card>
  );
}
