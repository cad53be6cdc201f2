/**
 * The live drill's part of the facilitator's view (src/http/routes/gameday-live.ts): the drill key (an integration key
 * whose alerts page the real on-call as drills, shown once), "Fire a drill alert" through the real intake (asked once
 * more: it pages people), the halt conditions (a real P1/P2 on a target service, Prometheus thresholds) and the
 * failure injection: set up before the start (provider, URL, secret, the provider's JSON document), its state after.
 */
import { useState } from 'react';
import {
  ConfirmButton,
  ErrorBanner,
  Field,
  FormActions,
  SelectField,
  TextField,
  useActions,
  useApiForm,
} from '../../components/forms.js';
import { Badge, Card, OneTimeSecret } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { useUser } from '../../lib/session.js';
import type { GamedayDetail, HaltCondition } from './types.js';

type ConditionBody =
  | { kind: 'real_incident' }
  | { kind: 'prometheus'; prometheusUrl: string; query: string; comparator: string; threshold: number };

const toBody = (c: HaltCondition): ConditionBody =>
  c.kind === 'prometheus'
    ? {
        kind: 'prometheus',
        prometheusUrl: c.prometheusUrl ?? '',
        query: c.query ?? '',
        comparator: c.comparator ?? '>',
        threshold: c.threshold ?? 0,
      }
    : { kind: 'real_incident' };

/** The intake's outcome for the fired alert (src/alerts/intake.ts IntakeOutcomeKind), in words. */
const FIRED_TEXT: Record<string, string> = {
  created: 'Drill alert sent: a new alert is paging.',
  updated: 'Drill alert sent: it joined the drill alert already open, which keeps paging.',
  ignored: 'Drill alert sent, but the intake ignored it (a silence or a maintenance window?): nobody is paged.',
};

export function LiveDrillCard({
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
  const [key, setKey] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [summary, setSummary] = useState('');
  const { run: call, busy, error } = useActions(reload);
  const [fired, setFired] = useState<string | null>(null);
  const conditions = g.haltConditions;
  const finished = g.status === 'ended' || g.status === 'cancelled';

  const createKey = () =>
    call(async () => {
      const r = await api.post<{ key: string }>(`${base}/drill-key`, {});
      setKey(r.key);
    });
  const fire = () =>
    call(async () => {
      const r = await api.post<{ outcome: string }>(`${base}/fire`, summary.trim() ? { summary: summary.trim() } : {});
      setFired(r.outcome);
      setAsking(false);
      setSummary('');
    });
  const putConditions = (next: ConditionBody[]) =>
    call(async () => {
      await api.put(`${base}/halt-conditions`, { conditions: next });
    });
  const onRealIncident = conditions.some((c) => c.kind === 'real_incident');

  return (
    <Card title="Live drill" className="gd-live">
      <p className="muted small">
        A drill alert enters the real intake and pages the real on-call through the real schedules and escalation; every
        page says DRILL.
      </p>
      <ErrorBanner error={error} />
      {key && (
        <OneTimeSecret
          title="Drill key"
          value={key}
          note="Alerts sent with this key (generic webhook, /integrations/generic/<key>) page as drills. It is shown once."
          onDismiss={() => setKey(null)}
        />
      )}
      <div className="gd-controls-row">
        {g.status === 'running' && !asking && (
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => setAsking(true)}>
            Fire a drill alert
          </button>
        )}
        {!finished && (
          <button type="button" className="btn" disabled={busy} onClick={() => void createKey()}>
            Create a drill key
          </button>
        )}
      </div>
      {asking && (
        <div className="gd-confirm" role="group" aria-label="Fire a drill alert">
          <p>Fire a drill alert? It pages whoever is on call for the target service now, labelled DRILL.</p>
          <div className="field">
            <label htmlFor="gd-fire-summary">Alert summary</label>
            <input
              id="gd-fire-summary"
              value={summary}
              maxLength={400}
              placeholder={`DRILL: ${g.title}`}
              onChange={(e) => setSummary(e.target.value)}
            />
          </div>
          <div className="form-actions">
            <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void fire()}>
              {busy ? 'Firing…' : 'Fire it'}
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setAsking(false)}>
              Not now
            </button>
          </div>
        </div>
      )}
      {fired && (
        <p className="gd-fired" role="status">
          {FIRED_TEXT[fired] ?? `Drill alert sent (${fired}).`} Watch the drill room for the acknowledgement.
        </p>
      )}

      <h3 className="gd-subtitle">Halt conditions</h3>
      <label className="check" htmlFor="gd-halt-real">
        <input
          id="gd-halt-real"
          type="checkbox"
          checked={onRealIncident}
          disabled={busy || finished}
          onChange={(e) =>
            void putConditions(
              e.target.checked
                ? [...conditions.map(toBody), { kind: 'real_incident' }]
                : conditions.filter((c) => c.kind !== 'real_incident').map(toBody),
            )
          }
        />{' '}
        Halt if a real P1 or P2 is declared on a target service
      </label>
      <ul className="gd-conditions">
        {conditions
          .filter((c) => c.kind === 'prometheus')
          .map((c) => (
            <li key={c.id}>
              <code className="gd-text">
                {c.query} {c.comparator} {c.threshold}
              </code>
              <div className="muted small">
                {c.prometheusUrl}
                {c.lastCheckedAt && (
                  <>
                    {' '}
                    · last {c.lastValue ?? '—'} at {formatTime(c.lastCheckedAt, timeZone)}
                  </>
                )}
              </div>
              {c.lastError && <div className="field-error">{c.lastError}</div>}
              {!finished && (
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  disabled={busy}
                  onClick={() => void putConditions(conditions.filter((x) => x.id !== c.id).map(toBody))}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
      </ul>
      {!finished && <AddPrometheusCondition base={base} current={conditions.map(toBody)} reload={reload} />}

      <FailureInjection g={g} base={base} reload={reload} timeZone={timeZone} />
    </Card>
  );
}

function AddPrometheusCondition({
  base,
  current,
  reload,
}: {
  base: string;
  current: ConditionBody[];
  reload: () => void;
}) {
  const [open, setOpen] = useState(false);
  const form = useApiForm<{ prometheusUrl: string; query: string; comparator: string; threshold: string }>(
    { prometheusUrl: '', query: '', comparator: '>', threshold: '' },
    async (v) => {
      await api.put(`${base}/halt-conditions`, {
        conditions: [
          ...current,
          {
            kind: 'prometheus',
            prometheusUrl: v.prometheusUrl.trim(),
            query: v.query.trim(),
            comparator: v.comparator,
            threshold: Number(v.threshold),
          },
        ],
      });
      form.reset();
      setOpen(false);
      reload();
    },
  );
  if (!open)
    return (
      <button type="button" className="btn btn-small" onClick={() => setOpen(true)}>
        Add a Prometheus halt condition
      </button>
    );
  return (
    <form className="gd-prom" onSubmit={form.onSubmit} noValidate aria-label="Prometheus halt condition">
      <ErrorBanner error={form.error} fields={['prometheusUrl', 'query', 'comparator', 'threshold']} />
      <TextField
        form={form}
        name="prometheusUrl"
        id="gd-prom-url"
        label="Prometheus URL"
        type="url"
        placeholder="http://prometheus:9090"
      />
      <TextField
        form={form}
        name="query"
        id="gd-prom-query"
        label="Query"
        placeholder="sum(rate(http_errors_total[1m]))"
      />
      <div className="gd-prom-threshold">
        <div className="field">
          <label htmlFor="gd-prom-cmp">Halt when</label>
          <select id="gd-prom-cmp" {...form.register('comparator')}>
            {['>', '>=', '<', '<='].map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <TextField form={form} name="threshold" id="gd-prom-threshold" label="Threshold" type="number" />
      </div>
      <FormActions busy={form.busy} submit="Add condition" onCancel={() => setOpen(false)} />
    </form>
  );
}

type Provider = 'webhook' | 'chaostoolkit' | 'litmus' | 'gremlin';

/** Per provider (src/gamedays/live/injection/, docs/gamedays.md "Failure injection and halting"): what to ask for. */
const PROVIDERS: Record<
  Provider,
  {
    text: string;
    url: string;
    secret: string;
    secretHint: string;
    secretRequired: boolean;
    config: string;
    hint: string;
  }
> = {
  webhook: {
    text: 'Signed webhook',
    url: 'https://chaos.example.com/hooks/muster',
    secret: 'Signing secret',
    secretHint: 'Muster signs each call with it (Muster-Signature), as it signs webhook contact methods.',
    secretRequired: true,
    config: '{\n  "fault": "latency",\n  "target": "checkout",\n  "delayMs": 500\n}',
    hint: 'Anything your endpoint understands: Muster sends it as config with action start, then rollback.',
  },
  chaostoolkit: {
    text: 'Chaos Toolkit',
    url: 'https://chaos-runner.example.com',
    secret: 'Runner token',
    secretHint: 'Optional: sent as a bearer token to your runner.',
    secretRequired: false,
    config:
      '{\n  "experiment": {\n    "title": "Checkout survives a slow database",\n    "method": [\n      { "type": "action", "name": "slow-db",\n        "provider": { "type": "process", "path": "toxiproxy-cli",\n          "arguments": "toxic add -t latency -a latency=500 db" } }\n    ],\n    "rollbacks": [\n      { "type": "action", "name": "fast-db",\n        "provider": { "type": "process", "path": "toxiproxy-cli",\n          "arguments": "toxic remove -n latency_downstream db" } }\n    ]\n  }\n}',
    hint: 'A Chaos Toolkit experiment: a title and at least one action in method; rollbacks run when the drill halts or ends.',
  },
  litmus: {
    text: 'Litmus',
    url: 'https://kubernetes.example.com:6443',
    secret: 'Kubernetes token',
    secretHint: "A service account's bearer token that may create and delete ChaosEngines in the namespace.",
    secretRequired: false,
    config:
      '{\n  "namespace": "checkout",\n  "spec": {\n    "appinfo": { "appns": "checkout", "applabel": "app=checkout", "appkind": "deployment" },\n    "chaosServiceAccount": "litmus-admin",\n    "experiments": [{ "name": "pod-delete" }]\n  }\n}',
    hint: 'The namespace and a ChaosEngine spec with at least one experiment. Muster deletes the ChaosEngine when the drill halts or ends.',
  },
  gremlin: {
    text: 'Gremlin',
    url: 'https://api.gremlin.com/v1',
    secret: 'Gremlin API key',
    secretHint: 'Required: sent as Authorization: Key.',
    secretRequired: true,
    config:
      '{\n  "target": { "type": "Random", "hosts": { "multiSelectTags": { "service": ["checkout"] } }, "percent": 50 },\n  "command": { "type": "latency", "args": ["-l", "300", "-m", "500"] }\n}',
    hint: 'A Gremlin attack: target and command (teamId for a team-scoped key). Muster halts the attack when the drill halts or ends.',
  },
};
const providerText = (p: string) => (p in PROVIDERS ? PROVIDERS[p as Provider].text : p);

const STATE_TEXT: Record<string, string> = {
  idle: 'Starts with the drill',
  starting: 'Starting',
  started: 'Started',
  rolled_back: 'Rolled back',
  failed: 'Failed',
};

function FailureInjection({
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
  const [editing, setEditing] = useState(false);
  const { run, busy, error } = useActions(reload);
  const inj = g.injection;
  const canChange = g.status === 'scheduled';
  const stopped = g.status === 'halted' || g.status === 'ended';
  if (!inj && !canChange) return null;
  const remove = () => run(() => api.del(`${base}/injection`));
  return (
    <div className="gd-injection" data-testid="gd-injection">
      <h3 className="gd-subtitle">Failure injection</h3>
      <ErrorBanner error={error} />
      {inj && !editing && (
        <>
          <p>
            <strong>{providerText(inj.provider)}</strong>{' '}
            <Badge tone={inj.lastError ? 'bad' : inj.state === 'started' ? 'warn' : 'neutral'}>
              {stopped && (inj.state === 'started' || inj.state === 'starting')
                ? 'Rolling back'
                : (STATE_TEXT[inj.state] ?? inj.state)}
            </Badge>
            <span className="muted small gd-text"> {inj.url}</span>
          </p>
          {(inj.startedAt || inj.rolledBackAt) && (
            <p className="muted small">
              {inj.startedAt && <>Started {formatTime(inj.startedAt, timeZone)}. </>}
              {inj.rolledBackAt && <>Rolled back {formatTime(inj.rolledBackAt, timeZone)}.</>}
            </p>
          )}
          {inj.lastError && <div className="field-error">{inj.lastError}</div>}
          {canChange && (
            <div className="gd-controls-row">
              <button type="button" className="btn btn-small" disabled={busy} onClick={() => setEditing(true)}>
                Edit
              </button>
              <ConfirmButton
                label="Remove"
                confirmLabel="Remove the failure injection"
                disabled={busy}
                onConfirm={() => void remove()}
              />
            </div>
          )}
        </>
      )}
      {!inj && !editing && (
        <>
          <p className="muted small">
            Optional: a chaos tool breaks something when the drill starts, and Muster rolls it back when it halts or
            ends. Run a tabletop and a live drill of the scenario first, and start in staging.
          </p>
          <button type="button" className="btn btn-small" onClick={() => setEditing(true)}>
            Set up failure injection
          </button>
        </>
      )}
      {editing && (
        <InjectionForm
          base={base}
          current={inj}
          onDone={() => {
            setEditing(false);
            reload();
          }}
          onCancel={() => setEditing(false)}
        />
      )}
    </div>
  );
}

interface InjectionValues {
  provider: Provider;
  url: string;
  secret: string;
  config: string;
  allowPrivateAddress: boolean;
}

function InjectionForm({
  base,
  current,
  onDone,
  onCancel,
}: {
  base: string;
  current: GamedayDetail['injection'];
  onDone: () => void;
  onCancel: () => void;
}) {
  const me = useUser();
  const initialProvider = (current && current.provider in PROVIDERS ? current.provider : 'webhook') as Provider;
  const form = useApiForm<InjectionValues>(
    {
      provider: initialProvider,
      url: current?.url ?? '',
      secret: '',
      config:
        current?.config && typeof current.config === 'object' && Object.keys(current.config).length
          ? JSON.stringify(current.config, null, 2)
          : '',
      allowPrivateAddress: false,
    },
    async (v) => {
      let config: unknown = {};
      if (v.config.trim()) {
        try {
          config = JSON.parse(v.config);
        } catch (e) {
          form.setError('config', { type: 'client', message: `is not valid JSON (${(e as Error).message})` });
          return;
        }
        if (config === null || typeof config !== 'object' || Array.isArray(config)) {
          form.setError('config', { type: 'client', message: 'must be a JSON object ({ … })' });
          return;
        }
      }
      await api.put(`${base}/injection`, {
        provider: v.provider,
        url: v.url.trim(),
        ...(v.secret ? { secret: v.secret } : {}),
        config,
        ...(v.allowPrivateAddress ? { allowPrivateAddress: true } : {}),
      });
      onDone();
    },
  );
  const provider = form.watch('provider');
  const p = PROVIDERS[provider] ?? PROVIDERS.webhook;
  // The saved secret is kept when this is left empty and the provider stays the same.
  const keeps = Boolean(current?.hasSecret && current.provider === provider);
  return (
    <form className="gd-prom" onSubmit={form.onSubmit} noValidate aria-label="Failure injection">
      <ErrorBanner error={form.error} fields={['provider', 'url', 'secret', 'config', 'allowPrivateAddress']} />
      <SelectField
        form={form}
        name="provider"
        id="gd-inj-provider"
        label="Tool"
        options={(Object.keys(PROVIDERS) as Provider[]).map((k) => ({ value: k, text: PROVIDERS[k].text }))}
      />
      <TextField
        form={form}
        name="url"
        id="gd-inj-url"
        label="URL"
        type="url"
        placeholder={p.url}
        rules={{ required: 'is required' }}
      />
      <TextField
        form={form}
        name="secret"
        id="gd-inj-secret"
        label={p.secret}
        type="password"
        autoComplete="new-password"
        hint={keeps ? 'Saved and never shown again. Leave empty to keep it.' : p.secretHint}
        rules={p.secretRequired && !keeps ? { required: 'is required' } : {}}
      />
      <Field label="Tool settings (JSON)" htmlFor="gd-inj-config" error={form.fieldError('config')} hint={p.hint}>
        <textarea
          id="gd-inj-config"
          className="mono"
          rows={8}
          spellCheck={false}
          placeholder={p.config}
          aria-invalid={form.fieldError('config') ? true : undefined}
          {...form.register('config')}
        />
      </Field>
      <button
        type="button"
        className="btn btn-small btn-ghost"
        onClick={() => {
          form.setValue('config', p.config, { shouldDirty: true });
          form.clearErrors('config');
        }}
      >
        Fill in the {p.text} example
      </button>
      {me.isAdmin && (
        <label className="check" htmlFor="gd-inj-private">
          <input id="gd-inj-private" type="checkbox" {...form.register('allowPrivateAddress')} /> Allow a private
          address (a tool inside your network; administrators only)
        </label>
      )}
      <FormActions busy={form.busy} submit="Save failure injection" busyText="Saving…" onCancel={onCancel} />
    </form>
  );
}
