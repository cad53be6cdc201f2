/**
 * The weekly insights digest (docs/insights.md, "Weekly digest"): a card on the profile page where a team admin picks
 * which of their teams' digests they get by email each Monday. Hidden for people who administer no team.
 */
import { useCallback, useEffect, useState } from 'react';
import { ErrorBanner, FormActions, useSubmit } from '../components/forms.js';
import { Card } from '../components/ui.js';
import { api } from '../lib/api.js';
import { Link } from '../lib/router.js';
import { useApi } from '../lib/use-api.js';

interface DigestSettings {
  teams: { teamId: string; name: string; subscribed: boolean }[];
}

export function DigestCard() {
  const settings = useApi<DigestSettings>('/api/insights/digest');
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (settings.data) setPicked(new Set(settings.data.teams.filter((t) => t.subscribed).map((t) => t.teamId)));
  }, [settings.data]);
  const save = useSubmit(
    useCallback(async () => {
      setSaved(false);
      await api.put<DigestSettings>('/api/insights/digest', { teamIds: [...picked] });
      setSaved(true);
    }, [picked]),
  );
  const teams = settings.data?.teams ?? [];
  if (!teams.length) return null;
  return (
    <Card title="Weekly insights digest">
      <form onSubmit={save.onSubmit} aria-label="Weekly insights digest" noValidate>
        <p className="muted">
          An email each Monday at 08:00 in the team&apos;s time zone: last week&apos;s incidents, response times, pages
          out of hours, overdue post-mortems and action items, and the noisiest alert rule. The same figures are in{' '}
          <Link to="/insights">Insights</Link>.
        </p>
        <ErrorBanner error={save.error} fields={['teamIds']} />
        <fieldset className="plain">
          <legend>Teams you administer</legend>
          {teams.map((t) => (
            <label className="check" key={t.teamId} htmlFor={`digest-${t.teamId}`}>
              <input
                id={`digest-${t.teamId}`}
                type="checkbox"
                checked={picked.has(t.teamId)}
                onChange={(e) => {
                  setSaved(false);
                  const next = new Set(picked);
                  if (e.target.checked) next.add(t.teamId);
                  else next.delete(t.teamId);
                  setPicked(next);
                }}
              />{' '}
              {t.name}
            </label>
          ))}
        </fieldset>
        <FormActions busy={save.busy} submit="Save" busyText="Saving…">
          {saved && (
            <span className="saved" role="status">
              Saved
            </span>
          )}
        </FormActions>
      </form>
    </Card>
  );
}
