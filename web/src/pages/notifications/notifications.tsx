/**
 * /profile/notifications: how Muster reaches me — contact methods (email, webhook, ntfy, Slack, SMS, voice) with a
 * test send and verification, rules per urgency (which method after how many minutes), and recent deliveries.
 */
import { useCallback, useState } from 'react';
import { ConfirmButton, ErrorBanner, Field, useSubmit } from '../../components/forms.js';
import { Badge, Card, Empty, LoadError, Loading, OneTimeSecret, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';

type Kind = 'email' | 'webhook' | 'ntfy' | 'slack' | 'sms' | 'voice';
type Urgency = 'high' | 'low';

interface ContactMethod {
  id: string;
  userId: string;
  kind: Kind;
  label: string;
  address: string;
  serverUrl: string | null;
  hasSecret: boolean;
  isVerified: boolean;
  /** An administrator allowed this webhook or ntfy server to be a private address. */
  allowPrivateAddress?: boolean;
  createdAt: string;
  updatedAt: string;
  health?: ContactHealth;
}

/** Is the contact method reaching its person (GET …/contact-methods; src/notify/service.ts healthOf). */
export interface ContactHealth {
  status: 'ok' | 'failing' | 'unknown';
  failedInARow: number;
  lastError: string | null;
  lastFailedAt: string | null;
  breaker: 'closed' | 'open' | 'half-open';
  breakerRetryAt: string | null;
}

interface Rule {
  id: string;
  userId: string;
  contactMethodId: string;
  urgency: Urgency;
  delayMinutes: number;
  createdAt: string;
}

interface Delivery {
  id: string;
  contactMethodId: string;
  channel: string;
  urgency: string;
  subject: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

const KINDS: { kind: Kind; label: string; address: string; placeholder: string; hint: string }[] = [
  { kind: 'email', label: 'Email', address: 'Email address', placeholder: 'you@example.com', hint: '' },
  {
    kind: 'webhook',
    label: 'Webhook',
    address: 'URL',
    placeholder: 'https://hooks.example.com/muster',
    hint: 'Muster signs each request; the signing secret is shown once after adding.',
  },
  {
    kind: 'ntfy',
    label: 'ntfy push',
    address: 'Topic',
    placeholder: 'my-secret-topic',
    hint: 'Push to your phone with the ntfy app. Pick a topic nobody can guess.',
  },
  {
    kind: 'slack',
    label: 'Slack DM',
    address: 'Slack member id',
    placeholder: 'U012AB3CD',
    hint: 'In Slack: your profile → ⋮ → Copy member ID.',
  },
  {
    kind: 'sms',
    label: 'SMS',
    address: 'Phone number',
    placeholder: '+447700900123',
    hint: 'International format (E.164); must be verified.',
  },
  {
    kind: 'voice',
    label: 'Voice call',
    address: 'Phone number',
    placeholder: '+447700900123',
    hint: 'International format (E.164); must be verified.',
  },
];
const kindInfo = (k: string) => KINDS.find((x) => x.kind === k) ?? KINDS[0]!;

export function NotificationsPage() {
  const me = useUser();
  const base = `/api/users/${encodeURIComponent(me.id)}`;
  const methods = useApi<{ contactMethods: ContactMethod[] }>(`${base}/contact-methods`);
  const rules = useApi<{ rules: Rule[] }>(`${base}/notification-rules`);
  const log = useApi<{ notifications: Delivery[] }>(`/api/notifications?userId=${encodeURIComponent(me.id)}&limit=10`);
  const [secret, setSecret] = useState<{ label: string; secret: string } | null>(null);
  const list = methods.data?.contactMethods ?? [];
  const methodName = (id: string) => {
    const m = list.find((x) => x.id === id);
    return m ? `${kindInfo(m.kind).label}: ${m.label || m.address}` : 'a removed contact method';
  };

  return (
    <>
      <div className="crumbs">
        <Link to="/profile">Profile</Link> <span aria-hidden="true">/</span> <span>Notifications</span>
      </div>
      <PageHeader
        title="How Muster reaches you"
        subtitle="When you are paged, each rule fires after its delay unless you acknowledge first. Add more than one channel: a page you sleep through is a page nobody answered."
      />
      {secret && (
        <OneTimeSecret
          title={`Signing secret for “${secret.label}”`}
          value={secret.secret}
          note={
            <>
              <strong>Store it now, it will not be shown again.</strong> Use it to check the signature header on each
              webhook request.
            </>
          }
          onDismiss={() => setSecret(null)}
        />
      )}
      {list.some((m) => m.health?.status === 'failing') && (
        <div className="banner banner-error" role="alert">
          <div>
            <strong>
              {list.filter((m) => m.health?.status === 'failing').length === 1
                ? 'One of your contact methods is failing'
                : 'Some of your contact methods are failing'}
            </strong>
            : pages sent to it are not reaching you. Muster keeps paging your other contact methods; fix it (or remove
            it) and send a test.
          </div>
        </div>
      )}
      <Card title="Contact methods">
        {methods.error ? (
          <LoadError error={methods.error} retry={methods.reload} />
        ) : !methods.data ? (
          <Loading what="Loading contact methods" />
        ) : list.length === 0 ? (
          <Empty>No contact methods yet. Muster falls back to your account email.</Empty>
        ) : (
          <ul className="plain-list" aria-label="Contact methods">
            {list.map((m) => (
              <ContactRow
                key={m.id}
                method={m}
                base={base}
                onChanged={() => {
                  methods.reload();
                  rules.reload();
                  log.reload();
                }}
              />
            ))}
          </ul>
        )}
        <AddContact
          base={base}
          onAdded={(m, s) => {
            methods.reload();
            if (s) setSecret({ label: m.label || m.address, secret: s });
          }}
        />
      </Card>
      <RulesCard base={base} rules={rules} methods={list} methodName={methodName} />
      <Card
        title={
          <span className="card-title-row">
            <span>Recent notifications</span>
            <button type="button" className="btn btn-small" onClick={log.reload}>
              Refresh
            </button>
          </span>
        }
      >
        {log.error ? (
          <LoadError error={log.error} retry={log.reload} />
        ) : !log.data ? (
          <Loading what="Loading deliveries" />
        ) : log.data.notifications.length === 0 ? (
          <Empty>Nothing sent to you yet.</Empty>
        ) : (
          <table className="table table-dense table-stack" aria-label="Recent notifications">
            <thead>
              <tr>
                <th>When</th>
                <th>What</th>
                <th>Where</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {log.data.notifications.map((d) => (
                <tr key={d.id}>
                  <td className="nowrap" title={formatTime(d.createdAt, me.timezone)}>
                    {relativeTime(d.createdAt)}
                  </td>
                  <td data-label="What">{d.subject || '—'}</td>
                  <td data-label="Where">{methodName(d.contactMethodId)}</td>
                  <td data-label="Status">
                    <div>
                      <Badge tone={d.status === 'sent' ? 'good' : d.status === 'failed' ? 'bad' : 'neutral'}>
                        {d.status}
                      </Badge>
                      {d.lastError && <div className="error-cell">{d.lastError}</div>}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

/** Why a contact method shows as failing: its latest deliveries' error, and whether Muster paused sending to it. */
function HealthNote({ health: h }: { health: ContactHealth }) {
  return (
    <div className="error-cell small" role="note">
      {h.failedInARow > 0 && (
        <>
          {h.failedInARow === 1 ? 'The latest delivery failed' : `The latest ${h.failedInARow} deliveries failed`}
          {h.lastFailedAt ? ` (${relativeTime(h.lastFailedAt)})` : ''}
          {h.lastError ? `: ${h.lastError}` : ''}.{' '}
        </>
      )}
      {h.breaker !== 'closed' && (
        <>
          It stopped answering, so Muster is not waiting on it
          {h.breakerRetryAt ? ` until ${relativeTime(h.breakerRetryAt)}` : ''}.
        </>
      )}
    </div>
  );
}

function ContactRow({ method: m, base, onChanged }: { method: ContactMethod; base: string; onChanged: () => void }) {
  const path = `${base}/contact-methods/${encodeURIComponent(m.id)}`;
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [verifying, setVerifying] = useState(false);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      await what();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const sendTest = () =>
    run(async () => {
      await api.post(`${path}/test`);
      setNote('Test sent. Its delivery shows under Recent notifications.');
      onChanged();
    });
  const startVerify = () =>
    run(async () => {
      await api.post(`${path}/verification`);
      setVerifying(true);
      setNote('A code is on its way; it is valid for 15 minutes.');
    });
  const confirm = () =>
    run(async () => {
      await api.post(`${path}/verification/confirm`, { code: code.trim() });
      setVerifying(false);
      setCode('');
      setNote('Verified.');
      onChanged();
    });
  const remove = () =>
    run(async () => {
      await api.del(path);
      onChanged();
    });

  const info = kindInfo(m.kind);
  return (
    <li>
      <div className="grow">
        <div>
          <Badge tone="info">{info.label}</Badge> <span className="strong">{m.label || m.address}</span>{' '}
          {m.isVerified ? <Badge tone="good">verified</Badge> : <Badge tone="warn">not verified</Badge>}
          {m.allowPrivateAddress && (
            <>
              {' '}
              <Badge tone="info">private address allowed</Badge>
            </>
          )}
          {m.health?.status === 'failing' && (
            <>
              {' '}
              <Badge tone="bad">failing</Badge>
            </>
          )}
        </div>
        <div className="muted small mono">
          {m.address}
          {m.serverUrl ? ` on ${m.serverUrl}` : ''}
        </div>
        {m.health?.status === 'failing' && <HealthNote health={m.health} />}
        {note && (
          <div className="saved small" role="status">
            {note}
          </div>
        )}
        <ErrorBanner error={error} />
        {verifying && (
          <form
            className="inline-form"
            aria-label={`Verify ${m.label || m.address}`}
            onSubmit={(e) => {
              e.preventDefault();
              void confirm();
            }}
          >
            <input aria-label="Verification code" value={code} onChange={(e) => setCode(e.target.value)} />
            <button type="submit" className="btn btn-small btn-primary" disabled={busy || !code.trim()}>
              Confirm code
            </button>
          </form>
        )}
      </div>
      <span className="row-actions">
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => void sendTest()}>
          Send test
        </button>
        {!m.isVerified && (
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void startVerify()}>
            Verify
          </button>
        )}
        <ConfirmButton
          label="Remove"
          confirmLabel="Remove, with its rules"
          disabled={busy}
          onConfirm={() => void remove()}
        />
      </span>
    </li>
  );
}

function AddContact({
  base,
  onAdded,
}: {
  base: string;
  onAdded: (m: ContactMethod, secret: string | undefined) => void;
}) {
  const [kind, setKind] = useState<Kind>('email');
  const [label, setLabel] = useState('');
  const [address, setAddress] = useState('');
  const [serverUrl, setServerUrl] = useState('');
  const [accessToken, setAccessToken] = useState('');
  const info = kindInfo(kind);
  const form = useSubmit(
    useCallback(async () => {
      const res = await api.post<{ contactMethod: ContactMethod; secret?: string }>(`${base}/contact-methods`, {
        kind,
        address: address.trim(),
        ...(label.trim() ? { label: label.trim() } : {}),
        ...(kind === 'ntfy' && serverUrl.trim() ? { serverUrl: serverUrl.trim() } : {}),
        ...(kind === 'ntfy' && accessToken.trim() ? { accessToken: accessToken.trim() } : {}),
      });
      setLabel('');
      setAddress('');
      setServerUrl('');
      setAccessToken('');
      onAdded(res.contactMethod, res.secret);
    }, [base, kind, label, address, serverUrl, accessToken, onAdded]),
  );
  return (
    <form onSubmit={form.onSubmit} noValidate aria-label="Add a contact method" className="subform">
      <h3 className="label-like">Add a contact method</h3>
      <ErrorBanner error={form.error} fields={['kind', 'label', 'address', 'serverUrl', 'accessToken']} />
      <div className="grid-2">
        <Field label="Channel" htmlFor="cm-kind" error={form.fieldError('kind')}>
          <select id="cm-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label={info.address}
          htmlFor="cm-address"
          error={form.fieldError('address')}
          hint={info.hint || undefined}
        >
          <input
            id="cm-address"
            value={address}
            placeholder={info.placeholder}
            spellCheck={false}
            onChange={(e) => setAddress(e.target.value)}
          />
        </Field>
        <Field label="Label" htmlFor="cm-label" error={form.fieldError('label')} hint="Optional, e.g. “work phone”.">
          <input id="cm-label" value={label} onChange={(e) => setLabel(e.target.value)} />
        </Field>
        {kind === 'ntfy' && (
          <>
            <Field
              label="ntfy server"
              htmlFor="cm-server"
              error={form.fieldError('serverUrl')}
              hint="Leave empty for the server Muster is configured with."
            >
              <input
                id="cm-server"
                value={serverUrl}
                placeholder="https://ntfy.sh"
                onChange={(e) => setServerUrl(e.target.value)}
              />
            </Field>
            <Field
              label="ntfy access token"
              htmlFor="cm-token"
              error={form.fieldError('accessToken')}
              hint="Optional (tk_…)."
            >
              <input
                id="cm-token"
                type="password"
                value={accessToken}
                onChange={(e) => setAccessToken(e.target.value)}
              />
            </Field>
          </>
        )}
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={form.busy}>
          {form.busy ? 'Adding…' : 'Add contact method'}
        </button>
      </div>
    </form>
  );
}

function RulesCard({
  base,
  rules,
  methods,
  methodName,
}: {
  base: string;
  rules: { data: { rules: Rule[] } | null; error: unknown; reload: () => void };
  methods: ContactMethod[];
  methodName: (id: string) => string;
}) {
  const [urgency, setUrgency] = useState<Urgency>('high');
  const [methodId, setMethodId] = useState('');
  const [delay, setDelay] = useState('0');
  const [error, setError] = useState<unknown>(null);
  const form = useSubmit(
    useCallback(async () => {
      if (!methodId) throw new Error('Pick a contact method.');
      await api.post<Rule>(`${base}/notification-rules`, {
        contactMethodId: methodId,
        urgency,
        delayMinutes: Math.floor(Number(delay)),
      });
      rules.reload();
    }, [base, methodId, urgency, delay, rules]),
  );
  const remove = async (id: string) => {
    setError(null);
    try {
      await api.del(`${base}/notification-rules/${encodeURIComponent(id)}`);
      rules.reload();
    } catch (e) {
      setError(e);
    }
  };
  const all = rules.data?.rules ?? [];
  return (
    <Card title="Notification rules">
      <ErrorBanner error={error} />
      {rules.error ? (
        <LoadError error={rules.error} retry={rules.reload} />
      ) : !rules.data ? (
        <Loading what="Loading rules" />
      ) : (
        <div className="grid-2 align-start">
          {(['high', 'low'] as const).map((u) => {
            const mine = all.filter((r) => r.urgency === u).sort((a, b) => a.delayMinutes - b.delayMinutes);
            return (
              <div key={u}>
                <h3 className="label-like">{u === 'high' ? 'High urgency: page me' : 'Low urgency'}</h3>
                {mine.length === 0 ? (
                  <p className="muted small">No rules: Muster uses every verified contact method at once.</p>
                ) : (
                  <ul className="plain-list" aria-label={`${u} urgency rules`}>
                    {mine.map((r) => (
                      <li key={r.id}>
                        <div className="grow">
                          <span className="strong">
                            {r.delayMinutes === 0 ? 'Immediately' : `After ${r.delayMinutes} min`}
                          </span>{' '}
                          · {methodName(r.contactMethodId)}
                        </div>
                        <ConfirmButton label="Remove" confirmLabel="Remove rule" onConfirm={() => void remove(r.id)} />
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            );
          })}
        </div>
      )}
      <form onSubmit={form.onSubmit} noValidate aria-label="Add a rule" className="subform">
        <ErrorBanner error={form.error} fields={['contactMethodId', 'urgency', 'delayMinutes']} />
        <div className="rule-form">
          <Field label="For" htmlFor="rule-urgency" error={form.fieldError('urgency')}>
            <select id="rule-urgency" value={urgency} onChange={(e) => setUrgency(e.target.value as Urgency)}>
              <option value="high">High urgency</option>
              <option value="low">Low urgency</option>
            </select>
          </Field>
          <Field label="Use" htmlFor="rule-method" error={form.fieldError('contactMethodId')}>
            <select id="rule-method" value={methodId} onChange={(e) => setMethodId(e.target.value)}>
              <option value="">{methods.length ? 'Choose a contact method…' : 'Add a contact method first'}</option>
              {methods.map((m) => (
                <option key={m.id} value={m.id}>
                  {methodName(m.id)}
                </option>
              ))}
            </select>
          </Field>
          <Field label="After (minutes)" htmlFor="rule-delay" error={form.fieldError('delayMinutes')}>
            <input
              id="rule-delay"
              type="number"
              min={0}
              max={1440}
              value={delay}
              onChange={(e) => setDelay(e.target.value)}
            />
          </Field>
          <div className="field">
            <button type="submit" className="btn btn-primary" disabled={form.busy || !methodId}>
              Add rule
            </button>
          </div>
        </div>
      </form>
    </Card>
  );
}
