/**
 * The alert page's "Paging" section (GET /api/alerts/:id/paging): why it is held and until when, or where the
 * escalation stands and when the next level pages; who was paged, on which channel, when and how each page went.
 * And the actions on the paging: escalate now, reassign, snooze. Laid out as a list, not a table, so it reads at
 * 390 px without scrolling sideways.
 */
import { useState } from 'react';
import { ErrorBanner, useSubmit } from '../../components/forms.js';
import { PolicyPicker, UserPicker, type PickedPolicy, type PickedUser } from '../../components/pickers.js';
import { Badge, Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';

export interface PagingHold {
  reason: 'silenced' | 'maintenance' | 'flapping' | 'low_urgency';
  until: string | null;
  silence: { id: string; comment: string; createdByLabel: string; endsAt: string } | null;
  maintenanceWindow: { id: string; comment: string; endsAt: string } | null;
}

export interface PagingPage {
  deliveryId: string;
  userId: string;
  userName: string;
  level: number | null;
  channel: string;
  contactLabel: string;
  address: string;
  at: string;
  dueAt: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
  attempts: number;
  lastError: string | null;
}

export interface PagingView {
  alertId: string;
  alertStatus: string;
  state: 'paging' | 'held' | 'acknowledged' | 'snoozed' | 'resolved' | 'exhausted' | 'no_policy' | 'not_paging';
  firstPagedAt: string | null;
  hold: PagingHold | null;
  snoozedUntil: string | null;
  run: {
    id: string;
    status: string;
    urgency: string;
    policyId: string;
    policyName: string;
    pagedLevel: number | null;
    nextLevel: number | null;
    nextStepAt: string | null;
    nextTargets: { type: string; id: string; name: string; userNames: string[] }[];
    levelCount: number;
    pass: number;
    repeat: number;
    alertCount: number;
  } | null;
  previousRuns: { id: string; status: string; policyName: string; startedAt: string }[];
  pages: PagingPage[];
  log: { runId: string; at: string; kind: string; level: number | null; reason: string }[];
  /** What the caller's roles allow (the API decides; the page shows only these actions). */
  can: PagingCan;
}

export interface PagingCan {
  acknowledge: boolean;
  resolve: boolean;
  escalate: boolean;
  reassign: boolean;
  snooze: boolean;
  declare: boolean;
}

export const CAN_NOTHING: PagingCan = {
  acknowledge: false,
  resolve: false,
  escalate: false,
  reassign: false,
  snooze: false,
  declare: false,
};

const CHANNEL_TEXT: Record<string, string> = {
  email: 'Email',
  sms: 'SMS',
  voice: 'Phone call',
  webhook: 'Webhook',
  ntfy: 'ntfy',
  slack: 'Slack',
  webpush: 'Push',
};

const STATUS_TONE: Record<PagingPage['status'], 'good' | 'warn' | 'bad' | 'neutral'> = {
  sent: 'good',
  pending: 'neutral',
  sending: 'neutral',
  failed: 'bad',
  skipped: 'warn',
};

const STATUS_TEXT: Record<PagingPage['status'], string> = {
  sent: 'delivered',
  pending: 'waiting',
  sending: 'sending',
  failed: 'failed',
  skipped: 'not sent',
};

/** "Held until Mon 30 Nov, 09:00: low urgency, outside working hours." */
export function holdText(hold: PagingHold, timeZone: string): string {
  const until = hold.until ? ` until ${formatTime(hold.until, timeZone)}` : '';
  switch (hold.reason) {
    case 'low_urgency':
      return `Not paging${until}: low urgency, outside working hours.`;
    case 'silenced':
      return `Not paging${until}: a silence matches this alert.`;
    case 'maintenance':
      return `Not paging${until}: the service is in a maintenance window.`;
    case 'flapping':
      return `Not paging${until}: it keeps firing and resolving (flap damping).`;
  }
}

/** The paging line of the alert's facts: when it was first paged, or why not yet. */
export function pagedFact(p: PagingView | null, timeZone: string): string {
  if (!p) return '…';
  if (p.firstPagedAt) return formatTime(p.firstPagedAt, timeZone);
  if (p.hold) return holdText(p.hold, timeZone).replace(/^Not paging/, 'Not yet: held');
  if (p.state === 'no_policy') return 'Never: the service has no escalation policy';
  return 'Not yet';
}

export function PagingSection({
  alertId,
  paging,
  timeZone,
  teamId,
  onChanged,
}: {
  alertId: string;
  paging: PagingView;
  timeZone: string;
  teamId: string | null;
  onChanged: (next: PagingView) => void;
}) {
  const [open, setOpen] = useState<'reassign' | 'snooze' | null>(null);
  const path = `/api/alerts/${encodeURIComponent(alertId)}`;
  const escalate = useSubmit(async () => {
    onChanged(await api.post<PagingView>(`${path}/escalate`, {}));
  });
  const p = paging;
  const run = p.run;
  const can = p.can ?? CAN_NOTHING;
  const canEscalate =
    can.escalate &&
    p.alertStatus === 'triggered' &&
    !!run &&
    (run.status === 'active' || run.status === 'held') &&
    !!run.nextLevel;
  const canSnooze = can.snooze && p.alertStatus === 'acknowledged';

  return (
    <Card title="Paging" className="paging">
      <div className="paging-status" aria-label="Paging status">
        {p.hold && (
          <p className="banner banner-info held" role="note">
            <strong>{holdText(p.hold, timeZone)}</strong>{' '}
            {p.hold.silence && (
              <span>
                Silence “{p.hold.silence.comment}” by {p.hold.silence.createdByLabel}.{' '}
                <Link to="/silences">See silences</Link>
              </span>
            )}
            {p.hold.maintenanceWindow && <span>{p.hold.maintenanceWindow.comment}</span>}
          </p>
        )}
        {p.state === 'snoozed' && p.snoozedUntil && (
          <p className="banner banner-info" role="note">
            <strong>Snoozed until {formatTime(p.snoozedUntil, timeZone)}.</strong> It pages again then unless resolved.
          </p>
        )}
        {run && (
          <p className="paging-run">
            <span className="strong">{run.policyName || 'No escalation policy'}</span>
            {run.pagedLevel !== null && (
              <>
                {' '}
                · level {run.pagedLevel} of {run.levelCount} paged
              </>
            )}
            {run.alertCount > 1 && <> · one page for {run.alertCount} alerts</>}
            {run.nextLevel !== null && run.nextStepAt && p.alertStatus === 'triggered' && (
              <span className="paging-next">
                {' '}
                · level {run.nextLevel} pages {formatTime(run.nextStepAt, timeZone)} ({relativeTime(run.nextStepAt)})
                {run.nextTargets.length > 0 && (
                  <>
                    :{' '}
                    {run.nextTargets
                      .map((t) =>
                        t.type === 'schedule' ? `${t.name} (${t.userNames.join(', ') || 'nobody on call'})` : t.name,
                      )
                      .join(', ')}
                  </>
                )}
              </span>
            )}
            {run.status === 'exhausted' && p.alertStatus === 'triggered' && (
              <span className="paging-next"> · every level has paged</span>
            )}
          </p>
        )}
        {!run && !p.hold && p.state !== 'resolved' && <p className="muted">Nobody has been paged for this alert.</p>}
      </div>

      {p.pages.length > 0 && (
        <ol className="paging-pages" aria-label="Pages sent">
          {p.pages.map((pg) => (
            <li key={pg.deliveryId} className="paging-page">
              <div>
                <strong>{pg.userName}</strong>
                {pg.level !== null && <span className="muted small"> · level {pg.level}</span>}
              </div>
              <div className="small">
                {CHANNEL_TEXT[pg.channel] ?? pg.channel}
                {pg.contactLabel && pg.contactLabel !== CHANNEL_TEXT[pg.channel] ? ` “${pg.contactLabel}”` : ''}{' '}
                <span className="muted mono break">{pg.address}</span>
              </div>
              <div className="small">
                <Badge tone={STATUS_TONE[pg.status]}>{STATUS_TEXT[pg.status]}</Badge>{' '}
                <time className="muted" dateTime={pg.at} title={pg.at}>
                  {formatTime(pg.at, timeZone)}
                </time>
                {pg.attempts > 1 && <span className="muted"> · {pg.attempts} attempts</span>}
              </div>
              {pg.lastError && pg.status !== 'sent' && <div className="small error-text break">{pg.lastError}</div>}
            </li>
          ))}
        </ol>
      )}

      {p.previousRuns.length > 0 && (
        <p className="muted small">
          Earlier: {p.previousRuns.map((r) => `${r.policyName || 'no policy'} (${r.status})`).join(', ')}
        </p>
      )}

      {p.alertStatus !== 'resolved' && (canEscalate || can.reassign || canSnooze) && (
        <div className="paging-actions">
          {canEscalate && (
            <button type="button" className="btn" disabled={escalate.busy} onClick={() => void escalate.run()}>
              {escalate.busy ? 'Escalating…' : `Escalate now to level ${run?.nextLevel ?? ''}`}
            </button>
          )}
          {can.reassign && (
            <button
              type="button"
              className="btn"
              aria-expanded={open === 'reassign'}
              onClick={() => setOpen((o) => (o === 'reassign' ? null : 'reassign'))}
            >
              Reassign…
            </button>
          )}
          {canSnooze && (
            <button
              type="button"
              className="btn"
              aria-expanded={open === 'snooze'}
              onClick={() => setOpen((o) => (o === 'snooze' ? null : 'snooze'))}
            >
              Snooze…
            </button>
          )}
        </div>
      )}
      <ErrorBanner error={escalate.error} />
      {open === 'reassign' && (
        <ReassignForm
          path={path}
          teamId={teamId}
          onDone={(v) => {
            setOpen(null);
            onChanged(v);
          }}
          onCancel={() => setOpen(null)}
        />
      )}
      {open === 'snooze' && p.alertStatus === 'acknowledged' && (
        <SnoozeForm
          path={path}
          onDone={(v) => {
            setOpen(null);
            onChanged(v);
          }}
          onCancel={() => setOpen(null)}
        />
      )}
    </Card>
  );
}

function ReassignForm({
  path,
  teamId,
  onDone,
  onCancel,
}: {
  path: string;
  teamId: string | null;
  onDone: (v: PagingView) => void;
  onCancel: () => void;
}) {
  const [kind, setKind] = useState<'user' | 'policy'>('user');
  const [user, setUser] = useState<PickedUser | null>(null);
  const [policy, setPolicy] = useState<PickedPolicy | null>(null);
  const submit = useSubmit(async () => {
    const body = kind === 'user' ? { userId: user?.id } : { escalationPolicyId: policy?.id };
    onDone(await api.post<PagingView>(`${path}/reassign`, body));
  });
  const chosen = kind === 'user' ? user : policy;
  return (
    <form className="paging-form" aria-label="Reassign" onSubmit={submit.onSubmit}>
      <fieldset className="paging-kind">
        <legend>Page instead</legend>
        <label className="check">
          <input type="radio" name="reassign-kind" checked={kind === 'user'} onChange={() => setKind('user')} /> A
          person
        </label>
        <label className="check">
          <input type="radio" name="reassign-kind" checked={kind === 'policy'} onChange={() => setKind('policy')} /> An
          escalation policy
        </label>
      </fieldset>
      {kind === 'user' ? (
        <UserPicker
          label="Person"
          id="reassign-user"
          {...(teamId ? { teamId } : {})}
          onPick={setUser}
          hint={user ? `Chosen: ${user.name || user.email}` : 'Type a name from the service’s team.'}
        />
      ) : (
        <PolicyPicker
          label="Escalation policy"
          id="reassign-policy"
          onPick={setPolicy}
          hint={policy ? `Chosen: ${policy.name}` : 'Type a policy name.'}
        />
      )}
      <ErrorBanner error={submit.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={!chosen || submit.busy}>
          {submit.busy ? 'Reassigning…' : chosen ? `Page ${'name' in chosen ? chosen.name : ''} instead` : 'Reassign'}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const SNOOZE_CHOICES = [
  { minutes: 15, label: '15 minutes' },
  { minutes: 30, label: '30 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 240, label: '4 hours' },
  { minutes: 1440, label: '1 day' },
];

function SnoozeForm({
  path,
  onDone,
  onCancel,
}: {
  path: string;
  onDone: (v: PagingView) => void;
  onCancel: () => void;
}) {
  const [minutes, setMinutes] = useState(30);
  const submit = useSubmit(async () => {
    onDone(await api.post<PagingView>(`${path}/snooze`, { minutes }));
  });
  return (
    <form className="paging-form" aria-label="Snooze" onSubmit={submit.onSubmit}>
      <div className="field">
        <label htmlFor="snooze-for">Page again after</label>
        <select id="snooze-for" value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
          {SNOOZE_CHOICES.map((c) => (
            <option key={c.minutes} value={c.minutes}>
              {c.label}
            </option>
          ))}
        </select>
      </div>
      <ErrorBanner error={submit.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={submit.busy}>
          {submit.busy ? 'Snoozing…' : 'Snooze'}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
