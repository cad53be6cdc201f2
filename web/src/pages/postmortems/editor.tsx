/**
 * The post-mortem editor: the header (title, incident, owner, due date, template), the workflow (request review,
 * approve or request changes, publish, reopen), every section in the template's order with its help text, and a
 * side panel (reviewers, revisions with their diffs, export, public summary) that goes below the sections on a phone.
 */
import { useCallback, useEffect, useState } from 'react';
import { LoadError, Loading } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { UserLite } from '../incidents/types.js';
import type { PageProps } from '../types.js';
import { PostmortemHeader, WorkflowBar } from './header.js';
import { SectionCard } from './sections.js';
import { SidePanel } from './side.js';
import { pmPath, type Postmortem } from './types.js';

export interface EditorContext {
  pm: Postmortem;
  /** Replace the post-mortem with the server's answer to a change. */
  setPm: (pm: Postmortem) => void;
  reload: () => void;
  users: UserLite[];
  /** Published post-mortems are read-only until reopened. */
  canEdit: boolean;
  me: { id: string; name: string; timezone: string; isAdmin: boolean };
}

/** The post-mortem, kept current by the answers of every change (each answers the whole post-mortem). */
export function usePostmortem(id: string) {
  const [pm, setPm] = useState<Postmortem | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    api.get<Postmortem>(pmPath(id), { signal: ctl.signal }).then(
      (d) => {
        setPm(d);
        setError(null);
      },
      (e: unknown) => !ctl.signal.aborted && setError(e),
    );
    return () => ctl.abort();
  }, [id, version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { pm, setPm, error, reload };
}

export function PostmortemPage({ params }: PageProps) {
  const id = params.id ?? '';
  const user = useUser();
  const { pm, setPm, error, reload } = usePostmortem(id);
  const users = useApi<{ users: UserLite[] }>('/api/users');

  if (error && !pm)
    return (
      <>
        <div className="crumbs">
          <Link to="/postmortems">Post-mortems</Link>
        </div>
        <LoadError error={error} retry={reload} />
      </>
    );
  if (!pm) return <Loading what="Opening the post-mortem" />;

  const ctx: EditorContext = {
    pm,
    setPm,
    reload,
    users: users.data?.users ?? [],
    canEdit: pm.status !== 'published',
    me: { id: user.id, name: user.name || user.email, timezone: user.timezone, isAdmin: user.isAdmin },
  };

  return (
    <div className="pm-editor" data-testid="postmortem-editor" data-status={pm.status}>
      <div className="crumbs">
        <Link to="/postmortems">Post-mortems</Link> /{' '}
        <Link to={`/incidents/${encodeURIComponent(pm.incident.id)}`}>{pm.incident.title}</Link>
      </div>
      <PostmortemHeader ctx={ctx} />
      {error ? <LoadError error={error} retry={reload} /> : null}
      <WorkflowBar ctx={ctx} />
      <div className="pm-grid">
        <div className="pm-main">
          {pm.sections.map((s) => (
            <SectionCard key={s.key} ctx={ctx} section={s} />
          ))}
        </div>
        <aside className="pm-side" aria-label="Review and export">
          <SidePanel ctx={ctx} />
        </aside>
      </div>
    </div>
  );
}
