/**
 * On-call health: per person, on-call hours, pages (outside working hours, during sleep, in each person's own zone),
 * consecutive weeks on call and the rotation-size warning; and the compensation those hours earn at the rates given,
 * with a CSV download of the same table.
 */
import { useMemo, useState } from 'react';
import { SelectFilter } from '../../components/filters.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
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

const PERSON_COLUMNS: Column<Person>[] = [
  {
    id: 'person',
    header: 'Person',
    className: 'strong',
    sortValue: (p) => p.name.toLowerCase(),
    cell: (p) => (
      <>
        {p.name}
        <div className="muted small">{p.timezone}</div>
      </>
    ),
  },
  { id: 'hours', header: 'On-call hours', sortValue: (p) => p.hours.total, cell: (p) => `${p.hours.total} h` },
  {
    id: 'split',
    header: 'Off-hours · weekend · sleep',
    hideOnPhone: true,
    cell: (p) => `${p.hours.offHours} · ${p.hours.weekend} · ${p.hours.sleep} h`,
  },
  { id: 'pages', header: 'Pages', sortValue: (p) => p.pages, cell: (p) => p.pages },
  {
    id: 'outside',
    header: 'Outside working hours',
    sortValue: (p) => p.pagesOutsideWorkingHours,
    cell: (p) => p.pagesOutsideWorkingHours,
  },
  {
    id: 'sleep',
    header: 'During sleep',
    sortValue: (p) => p.pagesDuringSleep,
    cell: (p) => (p.pagesDuringSleep > 0 ? <Badge tone="warn">{p.pagesDuringSleep}</Badge> : 0),
  },
  {
    id: 'streak',
    header: 'Weeks in a row (longest · now)',
    sortValue: (p) => p.longestStreakWeeks,
    cell: (p) => (
      <>
        {p.longestStreakWeeks} · {p.currentStreakWeeks}{' '}
        {p.longestStreakWeeks >= 2 && <Badge tone="warn">back to back</Badge>}
      </>
    ),
  },
];

function CompensationTable({ c }: { c: Compensation }) {
  const money = (n: number) => `${n.toFixed(2)} ${c.rates.currency}`;
  const columns: Column<Row>[] = [
    {
      id: 'person',
      header: 'Person',
      className: 'strong',
      sortValue: (r) => r.name.toLowerCase(),
      cell: (r) => r.name,
    },
    {
      id: 'working',
      header: 'Working h',
      hideOnPhone: true,
      sortValue: (r) => r.workingHours,
      cell: (r) => r.workingHours,
    },
    { id: 'off', header: 'Off-hours h', hideOnPhone: true, sortValue: (r) => r.offHours, cell: (r) => r.offHours },
    {
      id: 'weekend',
      header: 'Weekend h',
      hideOnPhone: true,
      sortValue: (r) => r.weekendHours,
      cell: (r) => r.weekendHours,
    },
    { id: 'pages', header: 'Pages', sortValue: (r) => r.pages, cell: (r) => r.pages },
    { id: 'hoursPay', header: 'Hours pay', sortValue: (r) => r.hoursPay, cell: (r) => money(r.hoursPay) },
    { id: 'bonus', header: 'Page bonus', sortValue: (r) => r.pageBonus, cell: (r) => money(r.pageBonus) },
    { id: 'total', header: 'Total', className: 'strong', sortValue: (r) => r.total, cell: (r) => money(r.total) },
  ];
  return (
    <DataTable
      label="Compensation"
      columns={columns}
      rows={c.rows}
      rowKey={(r) => r.userId}
      footer={
        <tr>
          <td colSpan={7} className="strong">
            Total
          </td>
          <td className="strong">{money(c.total)}</td>
        </tr>
      }
    />
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
            <SelectFilter
              id="health-team"
              label="Team"
              all="All teams"
              value={teamId}
              options={teams.teams.map((t) => ({ value: t.id, text: t.name }))}
              onChange={setTeamId}
            />
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
        <Loadable
          resource={report}
          what="the report"
          isEmpty={(d) => d.people.length === 0}
          empty="Nobody was on call in this range."
        >
          {(d) => (
            <DataTable label="On-call health" columns={PERSON_COLUMNS} rows={d.people} rowKey={(p) => p.userId} />
          )}
        </Loadable>
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
        <Loadable resource={comp} what="compensation">
          {(d) => <CompensationTable c={d} />}
        </Loadable>
      </Card>
    </>
  );
}
