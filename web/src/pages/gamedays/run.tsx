/**
 * /gamedays/:id: the facilitator's view. Start (declares the drill incident, the drill room), halt with a reason, end
 * with the hypothesis's outcome — each asked once more; the inject script with its times (delivered or pending) and
 * injects added live; expected actions ticked done or missed; the measures once the drill started; the debrief.
 * While the drill runs, the page reads the game day again every few seconds.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { ErrorBanner, FormActions, TextField, useActions, useApiForm, useSubmit } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link, navigate } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { PageProps } from '../types.js';
import type { Service } from '../alerts/types.js';
import { IncidentSeverityBadge } from '../incidents/badges.js';
import type { Severity } from '../incidents/types.js';
import { LiveDrillCard } from './live.js';
import { GamedayMeasures } from './measures.js';
import { GamedayStatusBadge, ModeBadge } from './parts.js';
import {
  clockTime,
  formatOffset,
  gamedayPage,
  OUTCOME_TEXT,
  RECURRENCE_TEXT,
  type ActionOutcome,
  type ExpectedAction,
  type GamedayDetail,
  type HypothesisOutcome,
  type Inject,
} from './types.js';

const POLL_MS = 4000;

export function GamedayRunPage({ params }: PageProps) {
  const id = params.id ?? '';
  const base = `/api/gamedays/${encodeURIComponent(id)}`;
  const res = useApi<GamedayDetail>(base);
  const status = res.data?.status;
  const { reload } = res;
  // While it runs; and after a halt or the end while the failure injection's rollback (a durable job) is still due.
  const injectionState = res.data?.injection?.state;
  const rollingBack =
    (status === 'halted' || status === 'ended') && (injectionState === 'started' || injectionState === 'starting');
  const poll = status === 'running' || rollingBack;
  useEffect(() => {
    if (!poll) return;
    const t = setInterval(reload, POLL_MS);
    return () => clearInterval(t);
  }, [poll, reload]);

  return (
    <Loadable
      resource={res}
      what="the game day"
      errorHeader={<PageHeader title="Game day" subtitle={<Link to="/gamedays">All game days</Link>} />}
    >
      {(g) => <RunView g={g} base={base} reload={reload} />}
    </Loadable>
  );
}

function RunView({ g, base, reload }: { g: GamedayDetail; base: string; reload: () => void }) {
  const me = useUser();
  const tz = me.timezone;
  const services = useApi<{ services: Service[] }>('/api/services');
  const serviceName = (sid: string) => services.data?.services.find((s) => s.id === sid)?.name ?? sid;
  const started = g.startedAt !== null;

  return (
    <div className="gd-run" data-gameday-id={g.id}>
      <PageHeader
        title={g.title}
        subtitle={
          <span className="gd-run-sub">
            <Link to="/gamedays">Game days</Link>
            <span>{g.teamName}</span>
            <ModeBadge mode={g.mode} />
            <IncidentSeverityBadge severity={g.severity as Severity} />
            <GamedayStatusBadge status={g.status} />
          </span>
        }
      />
      <StatusBanner g={g} timeZone={tz} />
      <Controls g={g} base={base} reload={reload} />
      <div className="gd-run-grid">
        <div className="gd-run-main">
          <ScriptCard g={g} base={base} reload={reload} timeZone={tz} />
          {g.mode === 'live' && <LiveDrillCard g={g} base={base} reload={reload} timeZone={tz} />}
          <ActionsCard g={g} base={base} reload={reload} timeZone={tz} />
          {started && <GamedayMeasures base={base} status={g.status} pollMs={POLL_MS} />}
        </div>
        <aside className="gd-run-side">
          <Card title="Plan">
            <dl className="gd-facts">
              <dt>Hypothesis</dt>
              <dd className="gd-text">{g.hypothesis || <span className="muted">None written.</span>}</dd>
              {g.hypothesisOutcome && (
                <>
                  <dt>Outcome</dt>
                  <dd>
                    <Badge
                      tone={
                        g.hypothesisOutcome === 'confirmed'
                          ? 'good'
                          : g.hypothesisOutcome === 'refuted'
                            ? 'bad'
                            : 'warn'
                      }
                    >
                      {OUTCOME_TEXT[g.hypothesisOutcome]}
                    </Badge>
                  </dd>
                </>
              )}
              {g.scenario && (
                <>
                  <dt>Scenario</dt>
                  <dd className="gd-text">{g.scenario}</dd>
                </>
              )}
              {g.safetyNotes && (
                <>
                  <dt>Safety notes</dt>
                  <dd className="gd-text">{g.safetyNotes}</dd>
                </>
              )}
              <dt>When</dt>
              <dd>
                {g.scheduledAt ? formatTime(g.scheduledAt, tz) : 'Not scheduled'} · {g.durationMinutes} min
                {g.recurrence !== 'none' && <> · {RECURRENCE_TEXT[g.recurrence]}</>}
              </dd>
              <dt>Facilitator</dt>
              <dd>{g.facilitator?.name ?? <span className="muted">Nobody yet</span>}</dd>
              <dt>Participants</dt>
              <dd>
                {g.participants.length ? (
                  g.participants.map((p) => p.name + (p.role === 'observer' ? ' (observer)' : '')).join(', ')
                ) : (
                  <span className="muted">Anyone in the drill room</span>
                )}
              </dd>
              <dt>Target services</dt>
              <dd>
                {g.serviceIds.length ? g.serviceIds.map(serviceName).join(', ') : <span className="muted">None</span>}
              </dd>
              {g.muteChat && (
                <>
                  <dt>Slack</dt>
                  <dd>Muted for the drill: the team coordinates in the drill room.</dd>
                </>
              )}
            </dl>
          </Card>
          <EventsCard g={g} timeZone={tz} />
        </aside>
      </div>
    </div>
  );
}

function StatusBanner({ g, timeZone }: { g: GamedayDetail; timeZone: string }) {
  const room = g.incidentId ? (
    <Link to={`/incidents/${encodeURIComponent(g.incidentId)}`} className="btn btn-small" data-testid="gd-drill-room">
      Open the drill room
    </Link>
  ) : null;
  if (g.status === 'running')
    return (
      <div className="banner banner-warn gd-banner" role="status">
        <span>
          <strong>DRILL running</strong> since {clockTime(g.startedAt, timeZone)} ({relativeTime(g.startedAt)}).
          Participants respond in the drill room as in a real incident.
        </span>
        {room}
      </div>
    );
  if (g.status === 'halted')
    return (
      <div className="banner banner-error gd-banner" role="status">
        <span>
          <strong>Halted</strong> at {clockTime(g.haltedAt, timeZone)}
          {g.haltReason ? <>: {g.haltReason}</> : '.'} Pending injects were skipped. End the game day to debrief.
        </span>
        {room}
      </div>
    );
  if (g.status === 'ended')
    return (
      <div className="banner banner-good gd-banner" role="status">
        <span>
          <strong>Ended</strong> at {formatTime(g.endedAt, timeZone)}. Close it with a blameless debrief.
        </span>
        {room}
      </div>
    );
  if (g.status === 'cancelled')
    return (
      <div className="banner gd-banner" role="status">
        <strong>Cancelled.</strong>
      </div>
    );
  return null;
}

type Asking = null | 'start' | 'halt' | 'end' | 'cancel';

/** Start, halt, end and cancel, each asked once more in place; the debrief once the drill is over. */
function Controls({ g, base, reload }: { g: GamedayDetail; base: string; reload: () => void }) {
  const [asking, setAsking] = useState<Asking>(null);
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useState<'' | HypothesisOutcome>('');
  const actions = useActions(reload);
  const { busy, error } = actions;
  const run = (what: Exclude<Asking, null>) =>
    actions.run(async () => {
      if (what === 'start') await api.post(`${base}/start`);
      if (what === 'halt') await api.post(`${base}/halt`, { reason: { kind: 'abort', detail: reason.trim() } });
      if (what === 'end') await api.post(`${base}/end`, outcome ? { hypothesisOutcome: outcome } : {});
      if (what === 'cancel') await api.post(`${base}/cancel`);
      setAsking(null);
    });
  const debrief = useSubmit(async () => {
    const r = await api.post<{ postmortemId: string }>(`${base}/debrief`);
    navigate(`/postmortems/${encodeURIComponent(r.postmortemId)}`);
  });

  const canStart = g.status === 'scheduled';
  const canHalt = g.status === 'running';
  const canEnd = g.status === 'running' || g.status === 'halted';
  const canDebrief = g.status === 'ended' || g.status === 'halted';

  return (
    <div className="gd-controls" data-testid="gd-controls">
      <div className="gd-controls-row">
        {canStart && (
          <button type="button" className="btn btn-primary" onClick={() => setAsking('start')} disabled={busy}>
            Start the drill
          </button>
        )}
        {canHalt && (
          <button type="button" className="btn btn-danger" onClick={() => setAsking('halt')} disabled={busy}>
            Halt
          </button>
        )}
        {canEnd && (
          <button type="button" className="btn" onClick={() => setAsking('end')} disabled={busy}>
            End the game day
          </button>
        )}
        {canDebrief &&
          (g.postmortemId ? (
            <Link to={`/postmortems/${encodeURIComponent(g.postmortemId)}`} className="btn btn-primary">
              Open the debrief
            </Link>
          ) : (
            <button
              type="button"
              className="btn btn-primary"
              disabled={debrief.busy}
              onClick={() => void debrief.run()}
            >
              {debrief.busy ? 'Starting the debrief…' : 'Write the debrief'}
            </button>
          ))}
        {canStart && (
          <Link to={`${gamedayPage(g.id)}/edit`} className="btn">
            Edit
          </Link>
        )}
        {canStart && (
          <button type="button" className="btn btn-ghost-danger" onClick={() => setAsking('cancel')} disabled={busy}>
            Cancel the game day
          </button>
        )}
      </div>
      {asking === 'start' && (
        <Confirm
          text={
            g.mode === 'live'
              ? `Start the live drill? This declares a ${g.severity} DRILL incident (the drill room) and posts the injects at their times. Alerts through the drill key page the real on-call, labelled DRILL.`
              : `Start the tabletop? This declares a ${g.severity} DRILL incident (the drill room) and posts the injects at their times. Nobody is paged.`
          }
          confirm="Start now"
          busy={busy}
          onConfirm={() => void run('start')}
          onCancel={() => setAsking(null)}
        />
      )}
      {asking === 'halt' && (
        <Confirm
          danger
          text="Halt the drill? Pending injects are skipped and any failure injection is rolled back. The reason goes on both timelines."
          confirm="Halt the drill"
          busy={busy}
          disabled={!reason.trim()}
          onConfirm={() => void run('halt')}
          onCancel={() => setAsking(null)}
        >
          <div className="field">
            <label htmlFor="gd-halt-reason">Why</label>
            <input
              id="gd-halt-reason"
              value={reason}
              maxLength={2000}
              onChange={(e) => setReason(e.target.value)}
              placeholder="A real incident needs the team"
            />
          </div>
        </Confirm>
      )}
      {asking === 'end' && (
        <Confirm
          text="End the game day? The drill incident is resolved and pending injects are skipped."
          confirm="End the game day"
          busy={busy}
          onConfirm={() => void run('end')}
          onCancel={() => setAsking(null)}
        >
          <div className="field">
            <label htmlFor="gd-outcome">The hypothesis was</label>
            <select
              id="gd-outcome"
              value={outcome}
              onChange={(e) => setOutcome(e.target.value as '' | HypothesisOutcome)}
            >
              <option value="">Decide in the debrief</option>
              <option value="confirmed">Confirmed</option>
              <option value="partly">Partly confirmed</option>
              <option value="refuted">Refuted</option>
            </select>
          </div>
        </Confirm>
      )}
      {asking === 'cancel' && (
        <Confirm
          danger
          text={
            g.recurrence !== 'none'
              ? 'Cancel this game day? The next one of the series is scheduled.'
              : 'Cancel this game day? It cannot be started afterwards.'
          }
          confirm="Cancel the game day"
          busy={busy}
          onConfirm={() => void run('cancel')}
          onCancel={() => setAsking(null)}
        />
      )}
      <ErrorBanner error={error} />
      <ErrorBanner error={debrief.error} />
    </div>
  );
}

function Confirm({
  text,
  confirm,
  busy,
  danger,
  disabled,
  onConfirm,
  onCancel,
  children,
}: {
  text: string;
  confirm: string;
  busy: boolean;
  danger?: boolean;
  disabled?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children?: ReactNode;
}) {
  return (
    <div className="gd-confirm" role="group" aria-label={confirm}>
      <p>{text}</p>
      {children}
      <div className="form-actions">
        <button
          type="button"
          className={danger ? 'btn btn-danger' : 'btn btn-primary'}
          disabled={busy || disabled}
          onClick={onConfirm}
        >
          {busy ? `${confirm}…` : confirm}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Not now
        </button>
      </div>
    </div>
  );
}

function injectState(i: Inject, timeZone: string) {
  if (i.status === 'delivered') return <Badge tone="good">delivered {clockTime(i.deliveredAt, timeZone)}</Badge>;
  if (i.status === 'skipped') return <Badge tone="neutral">skipped</Badge>;
  return <Badge tone="info">pending</Badge>;
}

function ScriptCard({
  g,
  base,
  reload,
  timeZone,
}: {
  g: GamedayDetail;
  base: string;
  reload: () => void;
  timeZone: string;
}) {
  const started = g.startedAt !== null;
  const rows = [...g.injects].sort((a, b) => a.offsetSeconds - b.offsetSeconds || a.position - b.position);
  const canAdd = g.status === 'scheduled' || g.status === 'running';
  const delivered = rows.filter((i) => i.status === 'delivered').length;
  return (
    <Card
      title={
        <>
          Inject script{' '}
          <span className="muted small">
            {delivered} of {rows.length} delivered
          </span>
        </>
      }
    >
      {rows.length ? (
        <ol className="gd-injects" aria-label="Inject script">
          {rows.map((i) => (
            <li
              key={i.id}
              className={`gd-inject gd-inject-${i.status}`}
              data-inject-id={i.id}
              data-inject-status={i.status}
            >
              <span className="gd-inject-when">
                <span className="gd-offset">{formatOffset(i.offsetSeconds)}</span>
                {started && i.dueAt && <span className="muted small">{clockTime(i.dueAt, timeZone)}</span>}
              </span>
              <span className="gd-inject-text">
                <span className="gd-text">{i.body}</span>
                {i.addedLive && <span className="muted small"> · added live</span>}
              </span>
              <span className="gd-inject-state">{injectState(i, timeZone)}</span>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">No injects yet. Add one below{started ? ': it appears in the drill room.' : '.'}</p>
      )}
      {canAdd && <AddInject g={g} base={base} reload={reload} />}
    </Card>
  );
}

function AddInject({ g, base, reload }: { g: GamedayDetail; base: string; reload: () => void }) {
  const running = g.status === 'running';
  const form = useApiForm<{ body: string; minutes: string }>({ body: '', minutes: '' }, async (v) => {
    const minutes = v.minutes.trim() === '' ? null : Number(v.minutes);
    let offsetSeconds: number | undefined;
    if (running) {
      // "In N minutes" from now; empty: now.
      const elapsed = Math.max(0, Math.floor((Date.now() - Date.parse(g.startedAt ?? '')) / 1000));
      offsetSeconds = minutes === null ? undefined : elapsed + Math.round(minutes * 60);
    } else {
      offsetSeconds = Math.round((minutes ?? 0) * 60);
    }
    await api.post(`${base}/injects`, {
      body: v.body.trim(),
      ...(offsetSeconds !== undefined ? { offsetSeconds } : {}),
    });
    form.reset({ body: '', minutes: '' });
    reload();
  });
  return (
    <form className="gd-add-inject" onSubmit={form.onSubmit} aria-label="Add an inject" noValidate>
      <h3 className="gd-subtitle">{running ? 'Add an inject live' : 'Add an inject'}</h3>
      <ErrorBanner error={form.error} fields={['body', 'offsetSeconds']} />
      <div className="gd-add-inject-fields">
        <TextField
          form={form}
          name="body"
          id="gd-new-inject"
          label="What happens"
          rows={2}
          maxLength={2000}
          placeholder="The payment provider's status page says degraded."
          rules={{ validate: (v: string) => (v.trim() ? true : 'must not be empty') }}
        />
        <TextField
          form={form}
          name="minutes"
          id="gd-new-inject-min"
          type="number"
          min={0}
          max={1440}
          label={running ? 'In minutes' : 'Minute'}
          hint={running ? 'Empty: post it now.' : 'Minutes after the start.'}
        />
      </div>
      <FormActions busy={form.busy} submit={running ? 'Post inject' : 'Add inject'} busyText="Adding…" />
    </form>
  );
}

function ActionsCard({
  g,
  base,
  reload,
  timeZone,
}: {
  g: GamedayDetail;
  base: string;
  reload: () => void;
  timeZone: string;
}) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const canMark = g.status === 'running' || g.status === 'halted' || g.status === 'ended';
  const mark = async (a: ExpectedAction, outcome: ActionOutcome) => {
    setBusy(a.id);
    setError(null);
    try {
      await api.put(`${base}/actions/${encodeURIComponent(a.id)}`, {
        outcome: a.outcome === outcome ? 'pending' : outcome,
      });
      reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const done = g.expectedActions.filter((a) => a.outcome === 'done').length;
  const missed = g.expectedActions.filter((a) => a.outcome === 'missed').length;
  return (
    <Card
      title={
        <>
          Expected actions{' '}
          <span className="muted small">
            {done} done · {missed} missed · {g.expectedActions.length - done - missed} open
          </span>
        </>
      }
    >
      <ErrorBanner error={error} />
      {g.expectedActions.length === 0 ? (
        <p className="muted">No expected actions in this game day.</p>
      ) : (
        <ol className="gd-actions">
          {g.expectedActions.map((a) => (
            <li
              key={a.id}
              className={`gd-action gd-action-${a.outcome}`}
              data-action-id={a.id}
              data-outcome={a.outcome}
            >
              <div className="gd-action-body">
                <span className="gd-text">{a.body}</span>
                {a.markedAt && a.outcome !== 'pending' && (
                  <div className="muted small">
                    {a.outcome} at {clockTime(a.markedAt, timeZone)}
                    {a.markedByLabel && <> by {a.markedByLabel}</>}
                  </div>
                )}
              </div>
              {canMark && (
                <span className="segmented gd-action-marks" role="group" aria-label={`Mark “${a.body}”`}>
                  {(
                    [
                      ['done', 'Done'],
                      ['missed', 'Missed'],
                    ] as const
                  ).map(([outcome, label]) => (
                    <button
                      key={outcome}
                      type="button"
                      className={a.outcome === outcome ? `on gd-on-${outcome}` : undefined}
                      aria-pressed={a.outcome === outcome}
                      disabled={busy === a.id}
                      onClick={() => void mark(a, outcome)}
                    >
                      {label}
                    </button>
                  ))}
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
      {!canMark && g.status === 'scheduled' && g.expectedActions.length > 0 && (
        <p className="muted small">Tick them once the drill starts.</p>
      )}
    </Card>
  );
}

function EventsCard({ g, timeZone }: { g: GamedayDetail; timeZone: string }) {
  if (!g.events.length) return null;
  return (
    <Card title="What happened">
      <ol className="gd-events">
        {[...g.events].reverse().map((e) => (
          <li key={e.id}>
            <span className="gd-event-time" title={formatTime(e.at, timeZone)}>
              {clockTime(e.at, timeZone)}
            </span>
            <span className="gd-text">
              {e.body || e.kind}
              <span className="muted small"> · {e.actorLabel}</span>
            </span>
          </li>
        ))}
      </ol>
    </Card>
  );
}
