/**
 * The hero signal (docs/people-health.md, "Heroes"): each person's pages acknowledged, incidents responded to, roles
 * held and hours on pages outside working hours, with their share of the team's; a flagged person with each reason in
 * words; a click on a figure lists the pages, incidents or roles behind it.
 */
import { useState } from 'react';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, Empty } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { hours, pct, type HeroItem, type HeroMeasure, type HeroPerson, type HeroReport } from './common.js';

const MEASURE_TEXT: Record<HeroMeasure, string> = {
  pages: 'Pages acknowledged',
  incidents: 'Incidents responded to',
  roles: 'Roles held',
  offHours: 'Off-hours page hours',
};

const valueOf = (p: HeroPerson, m: HeroMeasure): number =>
  m === 'pages'
    ? p.pagesAcknowledged
    : m === 'incidents'
      ? p.incidentsResponded
      : m === 'roles'
        ? p.rolesHeld
        : p.offHoursPageHours;

/** A person's figure for one measure, as a button that opens what is behind it. */
function MeasureButton({
  person,
  measure,
  open,
  onOpen,
}: {
  person: HeroPerson;
  measure: HeroMeasure;
  open: boolean;
  onOpen: () => void;
}) {
  const v = valueOf(person, measure);
  const text = measure === 'offHours' ? hours(v) : String(v);
  if (v === 0) return <span className="muted">{text}</span>;
  return (
    <button
      type="button"
      className="btn btn-small btn-ghost"
      aria-expanded={open}
      aria-label={`${MEASURE_TEXT[measure]} by ${person.name}: ${text}, ${pct(person.share[measure])} of the team's. Show them`}
      onClick={onOpen}
      data-testid={`hero-${measure}`}
    >
      {text} <span className="muted small">({pct(person.share[measure])})</span>
    </button>
  );
}

const KIND_TEXT: Record<HeroItem['kind'], string> = {
  page: 'Page',
  incident: 'Incident',
  role: 'Role',
  off_hours_page: 'Off-hours page',
};

/** The pages, incidents or roles behind one person's figure. */
function HeroItems({
  teamId,
  from,
  person,
  measure,
}: {
  teamId: string;
  from: string;
  person: HeroPerson;
  measure: HeroMeasure;
}) {
  const me = useUser();
  const items = useApi<{ truncated: boolean; items: HeroItem[] }>(
    `/api/people/heroes/incidents${query({ teamId, userId: person.userId, measure, from })}`,
  );
  const columns: Column<HeroItem & { i: number }>[] = [
    {
      id: 'at',
      header: 'When',
      className: 'nowrap',
      sortValue: (i) => i.at,
      cell: (i) => formatTime(i.at, me.timezone),
    },
    { id: 'kind', header: 'Kind', cell: (i) => KIND_TEXT[i.kind] },
    {
      id: 'what',
      header: 'What',
      className: 'strong',
      cell: (i) =>
        i.incidentId ? (
          <Link to={`/incidents/${encodeURIComponent(i.incidentId)}`}>{i.incidentTitle ?? 'Incident'}</Link>
        ) : i.alertId ? (
          <Link to={`/alerts/${encodeURIComponent(i.alertId)}`}>{i.alertTitle ?? 'Alert'}</Link>
        ) : (
          '—'
        ),
    },
    { id: 'service', header: 'Service', hideOnPhone: true, cell: (i) => i.serviceName ?? '—' },
    { id: 'detail', header: 'Detail', cell: (i) => i.detail },
  ];
  // Incidents and roles name no service (an incident can touch several): the column only when some item has one.
  const shown = (d: { items: HeroItem[] }) =>
    d.items.some((i) => i.serviceName) ? columns : columns.filter((c) => c.id !== 'service');
  return (
    <div className="people-drill" data-testid="hero-items">
      <h3 className="small">
        {MEASURE_TEXT[measure]} by {person.name}
      </h3>
      <Loadable
        resource={items}
        what="what is behind this figure"
        isEmpty={(d) => d.items.length === 0}
        empty="Nothing behind this figure in the window."
      >
        {(d) => (
          <>
            {d.truncated && <p className="muted small">The newest 500; narrow the window to see older ones.</p>}
            <DataTable
              label={`${MEASURE_TEXT[measure]} by ${person.name}`}
              columns={shown(d)}
              rows={d.items.map((x, i) => ({ ...x, i }))}
              rowKey={(x) => String(x.i)}
              dense
            />
          </>
        )}
      </Loadable>
    </div>
  );
}

export function HeroesView({ teamId, from }: { teamId: string; from: string }) {
  const report = useApi<HeroReport>(`/api/people/heroes${query({ teamId, from })}`);
  const [open, setOpen] = useState<{ userId: string; measure: HeroMeasure } | null>(null);
  const toggle = (userId: string, measure: HeroMeasure) =>
    setOpen(open && open.userId === userId && open.measure === measure ? null : { userId, measure });

  const measureColumn = (m: HeroMeasure, header: string): Column<HeroPerson> => ({
    id: m,
    header,
    align: 'num',
    sortValue: (p) => valueOf(p, m),
    cell: (p) => (
      <MeasureButton
        person={p}
        measure={m}
        open={open?.userId === p.userId && open.measure === m}
        onOpen={() => toggle(p.userId, m)}
      />
    ),
  });
  const columns: Column<HeroPerson>[] = [
    {
      id: 'name',
      header: 'Person',
      className: 'strong',
      sortValue: (p) => p.name.toLowerCase(),
      cell: (p) => (
        <>
          {p.name} {p.flagged && <Badge tone="bad">carrying too much</Badge>}
        </>
      ),
    },
    measureColumn('pages', 'Pages'),
    measureColumn('incidents', 'Incidents'),
    measureColumn('roles', 'Roles'),
    measureColumn('offHours', 'Off-hours'),
  ];

  return (
    <Loadable
      resource={report}
      what="the hero signal"
      isEmpty={(d) => d.people.every((p) => !p.pagesAcknowledged && !p.incidentsResponded && !p.rolesHeld)}
      empty="Nobody in this team acknowledged a page, held a role or responded to an incident in this window. The figures appear once the team's services page someone or an incident of theirs is declared."
    >
      {(h) => {
        const flagged = h.people.filter((p) => p.flagged);
        const t = h.thresholds;
        return (
          <>
            <Card title="Who carries the load" className="people-heroes">
              {flagged.length === 0 ? (
                <p data-testid="heroes-none">
                  Nobody carries more than {t.medianFactor}× the team median or more than {pct(t.shareOfTeam)} of the
                  team&apos;s load. The load is shared.
                </p>
              ) : (
                <ul className="people-reasons" data-testid="hero-reasons">
                  {flagged.map((p) => (
                    <li key={p.userId} data-user-id={p.userId}>
                      <strong>{p.name}</strong>
                      <ul>
                        {p.reasons.map((r) => (
                          <li key={r}>{r}</li>
                        ))}
                      </ul>
                    </li>
                  ))}
                </ul>
              )}
              <p className="muted small">
                Flagged above {t.medianFactor}× the team median or above {pct(t.shareOfTeam)} of the team&apos;s total
                of a measure, from {t.minCount} of it. The team&apos;s totals: {h.teamTotals.pages} pages,{' '}
                {h.teamTotals.incidents} incidents, {h.teamTotals.roles} roles, {hours(h.teamTotals.offHours)} off
                hours. Spreading the load: a shadow on the rotation, pairing on the next incident, or a hand-off of the
                roles this person keeps taking.
              </p>
            </Card>
            <Card title="Everyone's share" className="card-flush">
              <p className="muted small people-note">
                Each figure with its share of the team&apos;s total. Click a figure to see the pages, incidents or roles
                behind it.
              </p>
              {h.people.length === 0 ? (
                <Empty>Nobody to show.</Empty>
              ) : (
                <DataTable
                  label="Hero signal per person"
                  testId="heroes-table"
                  columns={columns}
                  rows={h.people}
                  rowKey={(p) => p.userId}
                  rowData={(p) => ({ 'data-user-id': p.userId })}
                  rowDetail={(p) =>
                    open?.userId === p.userId ? (
                      <HeroItems teamId={teamId} from={from} person={p} measure={open.measure} />
                    ) : null
                  }
                />
              )}
            </Card>
          </>
        );
      }}
    </Loadable>
  );
}
