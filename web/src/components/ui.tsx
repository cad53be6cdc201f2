/** Small presentational pieces shared by pages. */
import { useState, type ReactNode } from 'react';
import { errorMessage } from '../lib/api.js';
import { Link } from '../lib/router.js';

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="page-subtitle">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

/**
 * Where a page sits: links to the pages above it (each a real route), then the page itself, not a link. One line;
 * a long current title ends in an ellipsis rather than widening a phone's page.
 */
export function Breadcrumbs({
  trail,
  current,
  aside,
}: {
  trail: { to: string; label: string }[];
  current: string;
  /** A related page on the same line, not part of the trail (the room's executive summary). */
  aside?: ReactNode;
}) {
  const nav = (
    <nav className="crumbs" aria-label="Breadcrumb">
      <ol>
        {trail.map((c) => (
          <li key={c.to}>
            <Link to={c.to}>{c.label}</Link>
          </li>
        ))}
        <li aria-current="page" title={current}>
          {current}
        </li>
      </ol>
    </nav>
  );
  if (!aside) return nav;
  return (
    <div className="crumbs-row">
      {nav}
      <span className="crumbs-aside">{aside}</span>
    </div>
  );
}

export function Card({ title, children, className }: { title?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={className ? `card ${className}` : 'card'}>
      {title && <h2 className="card-title">{title}</h2>}
      {children}
    </section>
  );
}

export function Badge({
  tone = 'neutral',
  children,
}: {
  tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info';
  children: ReactNode;
}) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** Shown when a page's data could not load, with a way to try again. */
export function LoadError({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="banner banner-error" role="alert">
      <strong>{errorMessage(error)}</strong>
      {retry && (
        <button type="button" className="btn btn-small btn-ghost" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <button type="button" className="btn btn-small" onClick={() => void copy()}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy manually' : label}
    </button>
  );
}

/**
 * A secret the server shows exactly once (an API token, a sign-in link): read-only, selectable, with a copy button
 * and a plain warning. The page drops it from memory when dismissed or left.
 */
export function OneTimeSecret({
  title,
  value,
  note,
  onDismiss,
}: {
  title: string;
  value: string;
  note: ReactNode;
  onDismiss: () => void;
}) {
  return (
    <div className="secret" role="region" aria-label={title}>
      <div className="secret-head">
        <strong>{title}</strong>
        <button type="button" className="btn btn-small btn-ghost" onClick={onDismiss}>
          Done, hide it
        </button>
      </div>
      <p className="secret-note">{note}</p>
      <div className="secret-value">
        <input
          readOnly
          value={value}
          data-testid="one-time-secret"
          aria-label={title}
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
        />
        <CopyButton value={value} />
      </div>
    </div>
  );
}
