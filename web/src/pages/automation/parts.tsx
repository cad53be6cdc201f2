/** Pieces the automation pages share: badges, the team's kill switch, who may do what, and text <-> list helpers. */
import { useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Badge } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { useUser } from '../../lib/session.js';
import type { Team } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';
import {
  MODE_TEXT,
  STATUS_TEXT,
  type ActionKind,
  type ActionMode,
  type KillSwitch,
  type Matcher,
  type RunStatus,
} from './types.js';

const STATUS_TONE: Record<RunStatus, 'neutral' | 'good' | 'warn' | 'bad' | 'info'> = {
  awaiting_approval: 'warn',
  rejected: 'neutral',
  queued: 'info',
  running: 'info',
  succeeded: 'good',
  failed: 'bad',
  timed_out: 'bad',
  cancelled: 'neutral',
  skipped: 'neutral',
};

export function RunStatusBadge({ status }: { status: RunStatus }) {
  return (
    <span data-run-status={status}>
      <Badge tone={STATUS_TONE[status] ?? 'neutral'}>{STATUS_TEXT[status] ?? status}</Badge>
    </span>
  );
}

export function ModeBadge({ mode }: { mode: ActionMode }) {
  return (
    <Badge tone={mode === 'automatic' ? 'warn' : mode === 'approval' ? 'info' : 'neutral'}>{MODE_TEXT[mode]}</Badge>
  );
}

export function KindBadge({ kind }: { kind: ActionKind }) {
  return <Badge>{kind === 'http' ? 'HTTP' : 'Agent'}</Badge>;
}

/** Team admins (and org admins) manage actions, rules, agents and the kill switch; responders run and approve. */
export function useTeamRole(teams: Team[]) {
  const me = useUser();
  const role = (teamId: string) => teams.find((t) => t.id === teamId)?.myRole ?? null;
  return {
    isAdmin: (teamId: string) => me.isAdmin || role(teamId) === 'owner' || role(teamId) === 'admin',
    isResponder: (teamId: string) => me.isAdmin || (role(teamId) !== null && role(teamId) !== 'viewer'),
    adminTeams: teams.filter((t) => me.isAdmin || t.myRole === 'owner' || t.myRole === 'admin'),
  };
}

/** "a, b ,c" -> ['a','b','c'] */
export const splitList = (s: string): string[] =>
  s
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

export const splitLines = (s: string): string[] =>
  s
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean);

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** One matcher a line: `env = prod`, `pod =~ web-.*`. Returns the matchers, or the first line it cannot read. */
export function parseMatchers(text: string): { matchers: Matcher[]; bad: string | null } {
  const matchers: Matcher[] = [];
  for (const line of splitLines(text)) {
    const m = MATCHER.exec(line);
    if (!m) return { matchers, bad: line };
    matchers.push({ name: m[1]!, op: m[2] as Matcher['op'], value: m[3]! });
  }
  return { matchers, bad: null };
}

export const formatMatchers = (ms: Matcher[] | undefined | null): string =>
  (ms ?? []).map((m) => `${m.name} ${m.op} ${m.value}`).join('\n');

/**
 * The team's kill switch for automatic runs. Paused shows a warning with the reason, who and when, and (for team
 * admins) Resume; running shows a quiet line and "Pause automatic runs", which asks for a reason first.
 */
export function KillSwitchCard({ team, canChange }: { team: Team; canChange: boolean }) {
  const path = `/api/teams/${encodeURIComponent(team.id)}/automation`;
  const res = useApi<KillSwitch>(path);
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const pause = useSubmit(async () => {
    await api.put(path, { automaticPaused: true, reason: reason.trim() || undefined });
    setAsking(false);
    setReason('');
    res.reload();
  });
  const resume = useSubmit(async () => {
    await api.put(path, { automaticPaused: false });
    res.reload();
  });
  if (!res.data) return null;
  const ks = res.data;
  const by = ks.updatedByLabel ?? ks.updatedBy ?? null;
  if (ks.automaticPaused)
    return (
      <div className="banner banner-warn auto-killswitch" role="status" data-testid="automation-paused">
        <div>
          <strong>Automatic runs are paused for {team.name}.</strong> {ks.reason ? <>Reason: {ks.reason}. </> : null}
          {by && (
            <span className="muted small">
              Paused by {by}
              {ks.updatedAt && <> {relativeTime(ks.updatedAt)}</>}.
            </span>
          )}
          <div className="small">Manual runs and approved runs still go ahead.</div>
        </div>
        {canChange && (
          <button type="button" className="btn btn-small" disabled={resume.busy} onClick={() => void resume.run()}>
            Resume automatic runs
          </button>
        )}
        <ErrorBanner error={resume.error} />
      </div>
    );
  return (
    <div className="auto-killswitch auto-killswitch-on" data-testid="automation-running">
      <span className="muted small">
        <span className="auto-dot auto-dot-on" aria-hidden="true" /> Automatic runs are on for {team.name}.
        {ks.updatedAt && by && (
          <>
            {' '}
            Resumed by {by} {relativeTime(ks.updatedAt)}.
          </>
        )}
      </span>
      {canChange && !asking && (
        <button type="button" className="btn btn-small btn-ghost-danger" onClick={() => setAsking(true)}>
          Pause automatic runs
        </button>
      )}
      {asking && (
        <form className="auto-pause-form" onSubmit={pause.onSubmit} aria-label="Pause automatic runs">
          <Field label="Why pause?" htmlFor="auto-pause-reason" hint="Shown to everyone on the team until resumed.">
            <input
              id="auto-pause-reason"
              value={reason}
              maxLength={500}
              autoFocus
              onChange={(e) => setReason(e.target.value)}
              placeholder="Investigating a bad restart loop"
            />
          </Field>
          <div className="form-actions">
            <button type="submit" className="btn btn-danger btn-small" disabled={pause.busy}>
              {pause.busy ? 'Pausing…' : 'Pause now'}
            </button>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setAsking(false)}>
              Cancel
            </button>
          </div>
          <ErrorBanner error={pause.error} />
        </form>
      )}
    </div>
  );
}

/** With every team shown: a warning line per team whose automatic runs are paused (nothing otherwise). */
export function PausedTeamNotice({ team }: { team: Team }) {
  const res = useApi<KillSwitch>(`/api/teams/${encodeURIComponent(team.id)}/automation`);
  if (!res.data?.automaticPaused) return null;
  return (
    <div className="banner banner-warn" role="status" data-testid="automation-paused">
      <strong>Automatic runs are paused for {team.name}.</strong>
      {res.data.reason ? <> Reason: {res.data.reason}.</> : null}
    </div>
  );
}

export function When({ iso, timeZone }: { iso: string | null; timeZone: string }) {
  if (!iso) return <span className="muted">—</span>;
  return <span title={formatTime(iso, timeZone)}>{relativeTime(iso)}</span>;
}
