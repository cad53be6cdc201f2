/**
 * Comp time (docs/people-health.md): the team's policy (team admins change it), each person's balance, time off taken
 * and the CSV ledger. Works at 390 px: the table becomes cards.
 */
import { useState } from 'react';
import { ErrorBanner } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable } from '../../components/table.js';
import { Card, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';

interface Team {
  id: string;
  name: string;
  myRole: string | null;
}
interface Ledger {
  policy: { kind: string; factor: number; minimumHours: number; weekendHours: number };
  balances: { userId: string; name: string; accruedHours: number; takenHours: number; balanceHours: number }[];
}

export function CompTimePage() {
  const user = useUser();
  const teams = useApi<{ teams: Team[] } | Team[]>('/api/teams');
  const list: Team[] = Array.isArray(teams.data) ? teams.data : (teams.data?.teams ?? []);
  const [teamId, setTeamId] = useState('');
  const team = list.find((t) => t.id === teamId) ?? list.find((t) => t.myRole) ?? list[0];
  return (
    <>
      <PageHeader title="Comp time" subtitle="Time back for responding outside working hours." />
      {list.length > 1 && (
        <label>
          Team{' '}
          <select value={team?.id ?? ''} onChange={(e) => setTeamId(e.target.value)} data-testid="comp-time-team">
            {list.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {team && (
        <TeamCompTime
          key={team.id}
          team={team}
          userId={user.id}
          isAdmin={user.isAdmin || team.myRole === 'admin' || team.myRole === 'owner'}
        />
      )}
    </>
  );
}

function TeamCompTime({ team, userId, isAdmin }: { team: Team; userId: string; isAdmin: boolean }) {
  const ledger = useApi<Ledger>(`/api/teams/${team.id}/comp-time`);
  return (
    <Loadable resource={ledger} what="comp time">
      {(l) => (
        <>
          <PolicyCard teamId={team.id} policy={l.policy} canEdit={isAdmin} onSaved={ledger.reload} />
          <Card title="Balances">
            <DataTable
              label="Comp-time balances"
              testId="comp-time-balances"
              rows={l.balances}
              rowKey={(b) => b.userId}
              columns={[
                { id: 'name', header: 'Person', cell: (b) => b.name, sortValue: (b) => b.name },
                { id: 'accrued', header: 'Accrued (h)', cell: (b) => b.accruedHours, align: 'num' },
                { id: 'taken', header: 'Taken (h)', cell: (b) => b.takenHours, align: 'num' },
                {
                  id: 'balance',
                  header: 'Balance (h)',
                  cell: (b) => b.balanceHours,
                  sortValue: (b) => b.balanceHours,
                  align: 'num',
                },
              ]}
            />
            <p>
              <a href={`/api/teams/${team.id}/comp-time.csv`} download>
                Download the ledger (CSV)
              </a>
            </p>
          </Card>
          <TimeOffCard teamId={team.id} userId={userId} isAdmin={isAdmin} onSaved={ledger.reload} />
        </>
      )}
    </Loadable>
  );
}

function PolicyCard({
  teamId,
  policy,
  canEdit,
  onSaved,
}: {
  teamId: string;
  policy: Ledger['policy'];
  canEdit: boolean;
  onSaved: () => void;
}) {
  const [p, setP] = useState(policy);
  const [error, setError] = useState<unknown>(null);
  const describe =
    policy.kind === 'hours_factor'
      ? `${policy.factor} × the hours responding outside working hours; a page at least ${policy.minimumHours} h.`
      : policy.kind === 'weekend_fixed'
        ? `${policy.weekendHours} h for each weekend on call.`
        : 'No comp time accrues.';
  return (
    <Card title="Policy">
      <p data-testid="comp-time-policy">{describe}</p>
      {canEdit && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setError(null);
            api.put(`/api/teams/${teamId}/comp-time-policy`, p).then(onSaved).catch(setError);
          }}
        >
          <label htmlFor="ct-kind">Kind</label>
          <select id="ct-kind" value={p.kind} onChange={(e) => setP({ ...p, kind: e.target.value })}>
            <option value="none">None</option>
            <option value="hours_factor">Hours outside working hours × a factor</option>
            <option value="weekend_fixed">A fixed amount per on-call weekend</option>
          </select>
          {p.kind === 'hours_factor' && (
            <>
              <label htmlFor="ct-factor">Factor</label>
              <input
                id="ct-factor"
                type="number"
                step="0.1"
                min={0}
                max={10}
                value={p.factor}
                onChange={(e) => setP({ ...p, factor: Number(e.target.value) })}
              />
              <label htmlFor="ct-min">Minimum per page (hours)</label>
              <input
                id="ct-min"
                type="number"
                step="0.25"
                min={0}
                max={24}
                value={p.minimumHours}
                onChange={(e) => setP({ ...p, minimumHours: Number(e.target.value) })}
              />
            </>
          )}
          {p.kind === 'weekend_fixed' && (
            <>
              <label htmlFor="ct-weekend">Hours per on-call weekend</label>
              <input
                id="ct-weekend"
                type="number"
                step="0.5"
                min={0}
                max={72}
                value={p.weekendHours}
                onChange={(e) => setP({ ...p, weekendHours: Number(e.target.value) })}
              />
            </>
          )}
          <ErrorBanner error={error} fields={['kind', 'factor', 'minimumHours', 'weekendHours']} />
          <button type="submit" className="btn btn-primary">
            Save policy
          </button>
        </form>
      )}
    </Card>
  );
}

interface Member {
  userId: string;
  name: string;
  email: string;
}

function TimeOffCard({
  teamId,
  userId,
  isAdmin,
  onSaved,
}: {
  teamId: string;
  userId: string;
  isAdmin: boolean;
  onSaved: () => void;
}) {
  // A team admin records time off for anyone in the team; everyone else for themself.
  const team = useApi<{ members?: Member[] }>(isAdmin ? `/api/teams/${teamId}` : null);
  const members = [...(team.data?.members ?? [])].sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
  const [person, setPerson] = useState(userId);
  const [hours, setHours] = useState('');
  const [takenOn, setTakenOn] = useState(new Date().toISOString().slice(0, 10));
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <Card title="Take time off">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          api
            .post(`/api/teams/${teamId}/comp-time`, {
              userId: person,
              hours: Number(hours),
              takenOn,
              ...(note ? { note } : {}),
            })
            .then(() => {
              setHours('');
              setNote('');
              onSaved();
            })
            .catch(setError);
        }}
      >
        {isAdmin && members.length > 0 && (
          <>
            <label htmlFor="to-person">Person</label>
            <select id="to-person" value={person} onChange={(e) => setPerson(e.target.value)}>
              {!members.some((m) => m.userId === userId) && <option value={userId}>Me</option>}
              {members.map((m) => (
                <option key={m.userId} value={m.userId}>
                  {m.name || m.email}
                </option>
              ))}
            </select>
          </>
        )}
        <label htmlFor="to-hours">Hours</label>
        <input
          id="to-hours"
          type="number"
          step="0.5"
          min={0}
          value={hours}
          onChange={(e) => setHours(e.target.value)}
        />
        <label htmlFor="to-day">Day</label>
        <input id="to-day" type="date" value={takenOn} onChange={(e) => setTakenOn(e.target.value)} />
        <label htmlFor="to-note">Note</label>
        <input id="to-note" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
        <ErrorBanner error={error} fields={['userId', 'hours', 'takenOn', 'note']} />
        <button type="submit" className="btn btn-primary" disabled={!(Number(hours) > 0)}>
          Record time off
        </button>
      </form>
    </Card>
  );
}
