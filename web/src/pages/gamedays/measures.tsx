/**
 * How the people responded (issue 13 item 6): per drill, time to acknowledge, to assess severity, to declare roles,
 * to check recent changes and to mitigate; checklist completion and whether the three roles were held by different
 * people; beside the team's earlier drills (their median) and its real incidents of the same severity.
 */
import { useEffect, useRef } from 'react';
import { Loadable } from '../../components/state.js';
import { Badge, Card } from '../../components/ui.js';
import { useApi } from '../../lib/use-api.js';
import { formatDuration, type Figures, type GamedayStatus, type Measures } from './types.js';

type TimeKey = 'timeToAcknowledge' | 'timeToSeverity' | 'timeToRoles' | 'timeToRecentChanges' | 'timeToMitigate';
const TIMES: readonly { key: TimeKey; text: string; real?: 'mtta' | 'mttm' }[] = [
  { key: 'timeToAcknowledge', text: 'Acknowledge the page', real: 'mtta' },
  { key: 'timeToSeverity', text: 'Assess severity' },
  { key: 'timeToRoles', text: 'Declare roles' },
  { key: 'timeToRecentChanges', text: 'Check recent changes' },
  { key: 'timeToMitigate', text: 'Mitigate', real: 'mttm' },
];

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Row {
  key: TimeKey;
  text: string;
  drill: number | null;
  earlier: number | null;
  earlierCount: number;
  real: number | null;
  realCount: number;
}

export function GamedayMeasures({ base, status, pollMs }: { base: string; status: GamedayStatus; pollMs: number }) {
  const res = useApi<Measures>(`${base}/measures`);
  const { reload } = res;
  // Read again when the drill's status changes (ended: the last figures), not on the first render.
  const seen = useRef(status);
  useEffect(() => {
    if (seen.current === status) return;
    seen.current = status;
    reload();
  }, [status, reload]);
  // While it runs, as often as the rest of the page: an acknowledgement or a role shows without a reload.
  useEffect(() => {
    if (status !== 'running') return;
    const t = setInterval(reload, pollMs);
    return () => clearInterval(t);
  }, [status, reload, pollMs]);
  return (
    <Card title="Measures" className="gd-measures">
      <Loadable resource={res} what="the measures">
        {(m) => <MeasuresView m={m} />}
      </Loadable>
    </Card>
  );
}

function MeasuresView({ m }: { m: Measures }) {
  const rows: Row[] = TIMES.map((t) => {
    const earlier = m.earlierDrills.map((d: Figures) => d[t.key]).filter((x): x is number => x !== null);
    const stats = t.real ? m.realIncidents[t.real] : null;
    return {
      key: t.key,
      text: t.text,
      drill: m[t.key],
      earlier: median(earlier),
      earlierCount: earlier.length,
      real: stats?.median ?? null,
      realCount: stats?.count ?? 0,
    };
  });
  const roles = m.rolesHeldByDifferentPeople;
  return (
    <>
      {/* A small fixed table (not the kit's row cards): four short figures a row read best side by side on a phone. */}
      <table className="gd-measures-table" aria-label="Measures">
        <thead>
          <tr>
            <th scope="col">Time to</th>
            <th scope="col">This drill</th>
            <th scope="col">Earlier drills</th>
            <th scope="col">Real {m.realIncidents.severity}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-measure={r.key}>
              <th scope="row">{r.text}</th>
              <td>
                <strong>{formatDuration(r.drill)}</strong>
              </td>
              <td title={r.earlierCount ? `median of ${r.earlierCount}` : undefined}>
                {r.earlierCount ? formatDuration(r.earlier) : <span className="muted">—</span>}
              </td>
              <td title={r.realCount ? `median of ${r.realCount} incidents` : undefined}>
                {r.realCount ? formatDuration(r.real) : <span className="muted">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ul className="gd-measure-facts">
        <li>
          Checklist: <strong>{m.checklist.done}</strong> of {m.checklist.total} done
        </li>
        <li>
          Three roles held by different people:{' '}
          {roles === null ? (
            <span className="muted">not every role was held</span>
          ) : roles ? (
            <Badge tone="good">yes</Badge>
          ) : (
            <Badge tone="warn">no</Badge>
          )}
        </li>
        <li>
          Expected actions: {m.actions.done} done, {m.actions.missed} missed, {m.actions.pending} open
        </li>
      </ul>
      <p className="muted small">
        Times run from the drill&apos;s start. Earlier drills: the median of the team&apos;s last{' '}
        {m.earlierDrills.length || 'few'}; real incidents: the team&apos;s median at the same severity.
      </p>
    </>
  );
}
