/**
 * A secret calendar (iCalendar) link: created or rotated on demand (the API never shows an existing one again), then
 * offered as webcal:// for calendar apps and https:// for anything else, each with a copy button.
 */
import { useState } from 'react';
import { api } from '../lib/api.js';
import { ConfirmButton, ErrorBanner, useActions } from './forms.js';
import { CopyButton } from './ui.js';

interface Link {
  url: string;
  webcalUrl: string;
}

export function FeedLink({ path, what }: { path: string; what: string }) {
  const [link, setLink] = useState<Link | null>(null);
  const { run, busy, error } = useActions();
  const [revoked, setRevoked] = useState(false);

  const act = (method: 'post' | 'del') =>
    run(async () => {
      if (method === 'post') {
        setLink(await api.post<Link>(path));
        setRevoked(false);
      } else {
        await api.del(path);
        setLink(null);
        setRevoked(true);
      }
    });

  return (
    <div className="feed">
      <p className="muted small">
        Subscribe to {what} in Google Calendar, Outlook or Apple Calendar. The link is secret: anyone holding it can
        read the shifts. Muster shows it only once; making a new one stops the old one.
      </p>
      <ErrorBanner error={error} />
      {link && (
        <div className="feed-links" role="region" aria-label="Calendar links">
          <FeedRow label="Calendar apps (webcal://)" value={link.webcalUrl} />
          <FeedRow label="Download or other apps (https://)" value={link.url} />
        </div>
      )}
      {revoked && !link && <p className="saved">The calendar link is revoked.</p>}
      <div className="form-actions">
        <button type="button" className="btn" disabled={busy} onClick={() => void act('post')}>
          {link ? 'Rotate link' : 'Create or rotate calendar link'}
        </button>
        <ConfirmButton
          label="Revoke link"
          confirmLabel="Revoke now"
          disabled={busy}
          onConfirm={() => void act('del')}
        />
      </div>
    </div>
  );
}

function FeedRow({ label, value }: { label: string; value: string }) {
  return (
    <div className="feed-row">
      <div className="feed-label">{label}</div>
      <div className="secret-value">
        <input readOnly value={value} aria-label={label} spellCheck={false} onFocus={(e) => e.currentTarget.select()} />
        <CopyButton value={value} />
      </div>
    </div>
  );
}
