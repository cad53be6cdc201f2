/**
 * "Who gets paged" on a service's page: for an alert at a chosen time and urgency, who the service's escalation policy
 * would page at each level and when (GET /api/services/:service/escalation-preview: the planner running escalations
 * use, schedules resolved at each level's own time, working-hours conditions and the low-urgency hold applied).
 * Times are typed and shown in the viewer's own zone.
 */
import { useEffect, useState } from 'react';
import { ErrorBanner, FormActions, SelectField, TextField, useApiForm } from '../../components/forms.js';
import { Badge, Card } from '../../components/ui.js';
import { api, ApiError } from '../../lib/api.js';
import { useUser } from '../../lib/session.js';
import { formatIn, fromLocalInput, toLocalInput } from '../oncall/zone.js';

interface Target {
  type: 'user' | 'schedule';
  id: string;
  name: string | null;
  userIds: string[];
}
interface Condition {
  kind: 'always' | 'working_hours' | 'outside_working_hours' | 'days_of_week';
  days?: number[];
}
interface LevelStep {
  at: string;
  level: number;
  pass: number;
  delayMinutes: number;
  condition: Condition;
  conditionHolds: boolean;
  targets: Target[];
}
type Step =
  | { kind: 'hold'; at: string; until: string; reason: string }
  | (LevelStep & { kind: 'skipped'; reason: 'condition_not_met' | 'nobody_on_call' })
  | (LevelStep & { kind: 'page'; userIds: string[]; nextAt: string | null });
export interface EscalationPreview {
  at: string;
  urgency: 'high' | 'low';
  policy: {
    name: string;
    repeat: number;
    workingHours: { timezone: string; days: number[]; start: string; end: string };
  } | null;
  steps: Step[];
  end: { kind: 'last_level_paged' | 'exhausted' | 'no_policy' | 'truncated'; at: string };
  people: Record<string, { name: string; email: string }>;
}

const DAY = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function daysText(days: number[]): string {
  const sorted = [...days].sort((a, b) => a - b);
  if (sorted.join() === '1,2,3,4,5') return 'Mon–Fri';
  if (sorted.length === 7) return 'every day';
  return sorted.map((d) => DAY[d]).join(', ');
}

function conditionText(c: Condition, wh: string): string {
  switch (c.kind) {
    case 'working_hours':
      return `only in working hours (${wh})`;
    case 'outside_working_hours':
      return `only outside working hours (${wh})`;
    case 'days_of_week':
      return `only on ${daysText(c.days ?? [])}`;
    default:
      return 'always';
  }
}

interface Values {
  at: string;
  urgency: 'high' | 'low';
}

export function WhoGetsPaged({ service }: { service: { id: string; slug: string } }) {
  const user = useUser();
  const zone = user.timezone || 'UTC';
  const [result, setResult] = useState<EscalationPreview | null>(null);
  const ask = async (v: Values) => {
    const q = new URLSearchParams({ urgency: v.urgency });
    if (v.at) {
      const at = fromLocalInput(v.at, zone);
      if (!Number.isFinite(at)) {
        form.setError('at', { type: 'client', message: 'Give a date and time.' });
        return;
      }
      q.set('at', new Date(at).toISOString());
    }
    try {
      setResult(
        await api.get<EscalationPreview>(
          `/api/services/${encodeURIComponent(service.id)}/escalation-preview?${q.toString()}`,
        ),
      );
    } catch (e) {
      if (e instanceof ApiError) {
        for (const p of e.problems) {
          const name = p.field.replace(/^query\./, '');
          if (name === 'at' || name === 'urgency') form.setError(name, { type: 'server', message: p.message });
        }
      }
      throw e;
    }
  };
  const form = useApiForm<Values>({ at: toLocalInput(Date.now(), zone), urgency: 'high' }, ask);
  // Who would be paged right now, at high urgency, without asking first.
  useEffect(() => {
    form.onSubmit();
  }, [service.id]);

  const forbidden = form.error instanceof ApiError && form.error.status === 403;
  return (
    <Card title="Who gets paged">
      <p className="muted small">
        For an alert on this service at a time you choose: who each level of its escalation policy pages and when, with
        schedules resolved to whoever is on call at that level&apos;s time. Nobody is paged.
      </p>
      <form onSubmit={form.onSubmit} className="grid-2" aria-label="Who gets paged">
        <TextField form={form} name="at" id="preview-at" label={`Alert at (${zone})`} type="datetime-local" />
        <SelectField
          form={form}
          name="urgency"
          id="preview-urgency"
          label="Urgency"
          hint="Low urgency waits for the policy's working hours."
          options={[
            { value: 'high', text: 'High (critical, error)' },
            { value: 'low', text: 'Low (warning, info)' },
          ]}
        />
        <FormActions busy={form.busy} submit="Show who gets paged" busyText="Working it out…" />
      </form>
      {forbidden ? (
        <p className="muted">Only members of the service&apos;s team see who would be paged.</p>
      ) : (
        <ErrorBanner error={form.error} fields={['at', 'urgency']} />
      )}
      {result && !forbidden && <PreviewSteps preview={result} zone={zone} />}
    </Card>
  );
}

export function PreviewSteps({ preview: p, zone }: { preview: EscalationPreview; zone: string }) {
  if (!p.policy) return <p className="muted">No escalation policy: alerts on this service page nobody.</p>;
  const wh = p.policy.workingHours;
  const whText = `${daysText(wh.days)} ${wh.start}–${wh.end} ${wh.timezone}`;
  const name = (id: string) => p.people[id]?.name ?? id;
  const at = (iso: string) => formatIn(iso, zone);
  const targetText = (t: Target) => {
    const who = t.userIds.length ? t.userIds.map(name).join(', ') : 'nobody';
    if (t.type === 'schedule') return `${who} (on call in ${t.name ?? 'a deleted schedule'})`;
    return t.userIds.length ? who : `${t.name ?? t.id} (disabled: not paged)`;
  };
  const levelName = (s: LevelStep) => `Level ${s.level}${s.pass > 0 ? `, repeat ${s.pass}` : ''}`;
  return (
    <div className="preview">
      <p className="small">
        Policy <strong>{p.policy.name}</strong>
        {p.policy.repeat > 0 ? `, repeated ${p.policy.repeat} ${p.policy.repeat === 1 ? 'time' : 'times'}` : ''}. Times
        in {zone}.
      </p>
      <ol className="changes" aria-label="Pages in order">
        {p.steps.map((s, i) =>
          s.kind === 'hold' ? (
            <li key={i} data-kind="hold">
              <Badge tone="warn">Held</Badge> {at(s.at)}: low urgency waits for working hours ({whText}); paging starts
              at <strong>{at(s.until)}</strong>.
            </li>
          ) : s.kind === 'skipped' ? (
            <li key={i} data-kind="skipped" className="muted">
              <Badge>Skipped</Badge> {levelName(s)} at {at(s.at)}:{' '}
              {s.reason === 'condition_not_met'
                ? `it pages ${conditionText(s.condition, whText)}`
                : 'nobody is on call for it'}
              .
            </li>
          ) : (
            <li key={i} data-kind="page">
              <Badge tone="info">{levelName(s)}</Badge> {at(s.at)}: pages{' '}
              <strong>{s.userIds.map(name).join(', ')}</strong>
              <div className="muted small">
                {s.targets.map(targetText).join('; ')}
                {s.condition.kind !== 'always' ? `. Pages ${conditionText(s.condition, whText)}` : ''}
                {s.nextAt
                  ? `. If nobody acknowledges within ${s.delayMinutes} min, the next level at ${at(s.nextAt)}.`
                  : '.'}
              </div>
            </li>
          ),
        )}
      </ol>
      <p className="muted small" data-testid="preview-end">
        {p.end.kind === 'last_level_paged'
          ? 'After the last level nobody is left to escalate to.'
          : p.end.kind === 'exhausted'
            ? `From ${at(p.end.at)} no level has anyone to page: escalation ends.`
            : 'The preview stopped early.'}
      </p>
    </div>
  );
}
