/**
 * On-call health: per person, on-call hours, pages (outside working hours, during sleep, in each person's own zone),
 * consecutive weeks on call and the rotation-size warning; and the compensation those hours earn at the rates given,
 * with a CSV download of the same table.
 */
import { useMemo, useState } from 'react';
import { Badge, Card, Empty, LoadError, Loading, PageHeader } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';
import { useTeams } from './people.js';

interface Person {
  userId: string;
  name: string;
  timezone: string;
  hours: { total: number; working: number; offHours: number; weekend: number; sleep: number };
  pages: number;
  pagesOutsideWorkingHours: number;
  pagesDuringSleep: number;
  longestStreakWeeks: number;
  currentStreakWeeks: number;
}
interface Report {
  people: Person[];
  warnings: { code: string; message: string }[];
}
interface Row {
  userId: string;
  name: string;
  workingHours: number;
  offHours: number;
  weekendHours: number;
  totalHours: number;
  pages: number;
  hoursPay: number;
  pageBonus: number;
  total: number;
}
interface Compensation {
  rows: Row[];
  total: number;
  rates: { currency: string };
}

const DAY = 86_400_000;
const PERIODS = [7, 28, 90];

function ReportTable({ report }: { report: Report }) {
  if (report.people.length === 0) return <Empty>Nobody was on call in this range.</Empty>;
  return (
    <table className="table" aria-label="On-call health">
      <thead>
        <tr>
          <th>Person</th>
          <th>On-call hours</th>
          <th>Off-hours · weekend · sleep</th>
          <th>Pages</th>
          <th>Outside working hours</th>
          <th>During sleep</th>
          <th>Weeks in a row (longest · now)</th>
        </tr>
      </thead>
      <tbody>
        {report.people.map((p) => (
          <tr key={p.userId}>
            <td className="strong">
              {p.name}
              <div className="muted small">{p.timezone}</div>
            </td>
            <td>{p.hours.total} h</td>
            <td>
              {p.hours.offHours} · {p.hours.weekend} · {p.hours.sleep} h
            </td>
            <td>{p.pages}</td>
            <td>{p.pagesOutsideWorkingHours}</td>
            <td>{p.pagesDuringSleep > 0 ? <Badge tone="warn">{p.pagesDuringSleep}</Badge> : 0}</td>
            <td>
              {p.longestStreakWeeks} · {p.currentStreakWeeks}{' '}
              {p.longestStreakWeeks >= 2 && <Badge tone="warn">back to back</Badge>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CompensationTable({ c }: { c: Compensation }) {
  const money = (n: number) => `${n.toFixed(2)} ${c.rates.currency}`;
  return (
    <table className="table" aria-label="Compensation">
      <thead>
        <tr>
          <th>Person</th>
          <th>Working h</th>
          <th>Off-hours h</th>
          <th>Weekend h</th>
          <th>Pages</th>
          <th>Hours pay</th>
          <th>Page bonus</th>
          <th>Total</th>
        </tr>
      </thead>
      <tbody>
        {c.rows.map((r) => (
          <tr key={r.userId}>
            <td className="strong">{r.name}</td>
            <td>{r.workingHours}</td>
            <td>{r.offHours}</td>
            <td>{r.weekendHours}</td>
            <td>{r.pages}</td>
            <td>{money(r.hoursPay)}</td>
            <td>{money(r.pageBonus)}</td>
            <td className="strong">{money(r.total)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td colSpan={7} className="strong">
            Total
          </td>
          <td className="strong">{money(c.total)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

export function OncallHealthPage() {
  const [days, setDays] = useState(28);
  const [teamId, setTeamId] = useState('');
  const [rates, setRates] = useState({
    baseHourlyRate: '5',
    offHoursMultiplier: '1.5',
    weekendMultiplier: '2',
    perPageBonus: '0',
    currency: 'EUR',
  });
  const teams = useTeams();
  // Fixed when the range changes, so the query string (and the fetch) is stable between renders.
  const range = useMemo(() => {
    const to = Date.now();
    return { from: new Date(to - days * DAY).toISOString(), to: new Date(to).toISOString() };
  }, [days]);
  const scope = { ...range, teamId: teamId || undefined };
  const report = useApi<Report>(`/api/oncall/report${query(scope)}`);
  const ratesQuery = query({ ...scope, ...rates });
  const comp = useApi<Compensation>(`/api/oncall/compensation${ratesQuery}`);
  const rate = (k: keyof typeof rates, label: string) => (
    <label>
      {label}{' '}
      <input
        aria-label={label}
        value={rates[k]}
        size={6}
        onChange={(e) => setRates({ ...rates, [k]: e.target.value })}
      />
    </label>
  );

  return (
    <>
      <PageHeader
        title="On-call health"
        subtitle="Hours, pages at night and weeks in a row per person, from the final schedules and the escalation log. Working hours Mon–Fri 09:00–17:00 and sleep 23:00–07:00 in each person's own time zone."
        actions={
          <>
            <select aria-label="Team" value={teamId} onChange={(e) => setTeamId(e.target.value)}>
              <option value="">All teams</option>
              {teams.teams.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
            <select aria-label="Period" value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {PERIODS.map((d) => (
                <option key={d} value={d}>
                  Last {d} days
                </option>
              ))}
            </select>
          </>
        }
      />
      {report.data?.warnings.map((w) => (
        <div key={w.message} className="banner banner-warn" role="note">
          {w.message}
        </div>
      ))}
      <Card title="Per person">
        {report.error ? (
          <LoadError error={report.error} retry={report.reload} />
        ) : !report.data ? (
          <Loading what="Loading the report" />
        ) : (
          <ReportTable report={report.data} />
        )}
      </Card>
      <Card title="Compensation">
        <p className="muted small">
          Hours × base rate; weekday hours outside working hours × the off-hours multiplier, Saturday and Sunday × the
          weekend multiplier; plus an optional bonus per page.
        </p>
        <div className="inline-form">
          {rate('baseHourlyRate', 'Base hourly rate')}
          {rate('offHoursMultiplier', 'Off-hours ×')}
          {rate('weekendMultiplier', 'Weekend ×')}
          {rate('perPageBonus', 'Per-page bonus')}
          {rate('currency', 'Currency')}
          <a className="btn" href={`/api/oncall/compensation.csv${ratesQuery}`} download>
            Download CSV
          </a>
        </div>
        {comp.error ? (
          <LoadError error={comp.error} retry={comp.reload} />
        ) : !comp.data ? (
          <Loading what="Loading compensation" />
        ) : (
          <CompensationTable c={comp.data} />
        )}
      </Card>
    </>
  );
}
