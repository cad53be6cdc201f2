/**
 * /profile/notifications: how Muster reaches me — contact methods (email, webhook, ntfy, Slack, SMS, voice, push on
 * this device) with a test send and verification, rules per urgency (which method after how many minutes), and
 * recent deliveries.
 */
import { useEffect, useState } from 'react';
import {
  ConfirmButton,
  ErrorBanner,
  FormActions,
  SelectField,
  TextField,
  useActions,
  useApiForm,
} from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, OneTimeSecret, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime, relativeTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { enablePushOnThisDevice, pushSupport, unsubscribeThisDevice, type PushSupport } from '../../lib/push.js';
import { useUser } from '../../lib/session.js';
import { useApi, type Resource } from '../../lib/use-api.js';

type Kind = 'email' | 'webhook' | 'ntfy' | 'slack' | 'sms' | 'voice' | 'webpush';
type Urgency = 'high' | 'low';

interface ContactMethod {
  id: string;
  userId: string;
  kind: Kind;
  label: string;
  address: string;
  serverUrl: string | null;
  hasSecret: boolean;
  /** Always true for kinds that need no verification (everything but SMS and voice). */
  isVerified: boolean;
  /** SMS and voice only: the others show no verification state or Verify button. */
  needsVerification?: boolean;
  /** An administrator allowed this webhook or ntfy server to be a private address. */
  allowPrivateAddress?: boolean;
  /** Push: the push service said the subscription is gone; Muster no longer pages it. */
  expiredAt?: string | null;
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
  { kind: 'webpush', label: 'Push', address: 'Push subscription', placeholder: '', hint: '' },
];
const kindInfo = (k: string) => KINDS.find((x) => x.kind === k) ?? KINDS[0]!;
// Push is added from the device itself ("Enable push on this device"), not by typing an address.
const KIND_OPTIONS = KINDS.filter((k) => k.kind !== 'webpush').map((k) => ({ value: k.kind, text: k.label }));
const URGENCY_OPTIONS = [
  { value: 'high', text: 'High urgency' },
  { value: 'low', text: 'Low urgency' },
];
/** The push service's host (the endpoint's path is the subscription's secret handle). */
const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return 'a push service';
  }
};
const DELIVERY_TONE: Record<string, 'good' | 'bad'> = { sent: 'good', failed: 'bad' };

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
  const failing = list.filter((m) => m.health?.status === 'failing').length;
  const [push, setPush] = useState<PushSupport | null>(null);
  const checkPush = () => void pushSupport().then(setPush, () => setPush({ kind: 'unsupported' }));
  useEffect(checkPush, []);
  const thisDevice = push?.kind === 'ready' ? push.endpoint : null;

  const columns: Column<Delivery>[] = [
    {
      id: 'when',
      header: 'When',
      className: 'nowrap',
      sortValue: (d) => d.createdAt,
      cell: (d) => <span title={formatTime(d.createdAt, me.timezone)}>{relativeTime(d.createdAt)}</span>,
    },
    { id: 'what', header: 'What', cell: (d) => d.subject || '—' },
    { id: 'where', header: 'Where', cell: (d) => methodName(d.contactMethodId) },
    {
      id: 'status',
      header: 'Status',
      cell: (d) => (
        <>
          <Badge tone={DELIVERY_TONE[d.status] ?? 'neutral'}>{d.status}</Badge>
          {d.lastError && <div className="error-cell">{d.lastError}</div>}
        </>
      ),
    },
  ];

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
      {failing > 0 && (
        <div className="banner banner-error" role="alert">
          <div>
            <strong>
              {failing === 1 ? 'One of your contact methods is failing' : 'Some of your contact methods are failing'}
            </strong>
            : pages sent to it are not reaching you. Muster keeps paging your other contact methods; fix it (or remove
            it) and send a test.
          </div>
        </div>
      )}
      <Card title="Contact methods">
        <Loadable
          resource={methods}
          what="contact methods"
          isEmpty={(d) => d.contactMethods.length === 0}
          empty="No contact methods yet. Muster falls back to your account email."
        >
          {(d) => (
            <ul className="plain-list" aria-label="Contact methods">
              {d.contactMethods.map((m) => (
                <ContactRow
                  key={m.id}
                  method={m}
                  base={base}
                  isThisDevice={m.kind === 'webpush' && m.address === thisDevice}
                  onChanged={() => {
                    methods.reload();
                    rules.reload();
                    log.reload();
                    checkPush();
                  }}
                />
              ))}
            </ul>
          )}
        </Loadable>
        <PushOnThisDevice
          userId={me.id}
          support={push}
          hasMethod={list.some((m) => m.kind === 'webpush' && m.address === thisDevice && !m.expiredAt)}
          onEnabled={() => {
            methods.reload();
            checkPush();
          }}
        />
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
        <Loadable
          resource={log}
          what="deliveries"
          isEmpty={(d) => d.notifications.length === 0}
          empty="Nothing sent to you yet."
        >
          {(d) => (
            <DataTable
              label="Recent notifications"
              dense
              columns={columns}
              rows={d.notifications}
              rowKey={(x) => x.id}
            />
          )}
        </Loadable>
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

/**
 * "Enable push on this device": permission, a push subscription, saved as a contact method. On an iPhone or iPad
 * push works only in the app added to the Home Screen (iOS 16.4 or later), so a browser tab says how.
 */
function PushOnThisDevice({
  userId,
  support,
  hasMethod,
  onEnabled,
}: {
  userId: string;
  support: PushSupport | null;
  hasMethod: boolean;
  onEnabled: () => void;
}) {
  const { run, busy, error } = useActions(onEnabled);
  const [note, setNote] = useState<string | null>(null);
  if (!support) return null;
  const enable = () => {
    setNote(null);
    return run(async () => {
      await enablePushOnThisDevice<{ contactMethod: ContactMethod }>(userId);
      setNote('Push is on for this device. Send a test to check it.');
    });
  };
  return (
    <section className="subform" aria-label="Push on this device">
      <h3 className="label-like">Push on this device</h3>
      {support.kind === 'unsupported' && (
        <p className="muted small">This browser cannot receive push notifications. Use ntfy, SMS or email instead.</p>
      )}
      {support.kind === 'install-first' && (
        <p className="muted small">
          On an iPhone or iPad (iOS 16.4 or later), add Muster to your Home Screen first: tap Share, then Add to Home
          Screen. Open Muster from the Home Screen and enable push there.
        </p>
      )}
      {support.kind === 'ready' && (
        <>
          <p className="muted small">
            {hasMethod
              ? 'This device gets pages as notifications, with Acknowledge and Resolve buttons.'
              : 'Get pages on this device as notifications, with Acknowledge and Resolve buttons. Your browser asks for permission.'}
            {support.permission === 'denied' &&
              ' Notifications are blocked for Muster in this browser: allow them in the site settings first.'}
          </p>
          {note && (
            <div className="saved small" role="status">
              {note}
            </div>
          )}
          <ErrorBanner error={error} />
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void enable()}>
            {busy ? 'Enabling…' : hasMethod ? 'Renew push on this device' : 'Enable push on this device'}
          </button>
        </>
      )}
    </section>
  );
}

function ContactRow({
  method: m,
  base,
  isThisDevice,
  onChanged,
}: {
  method: ContactMethod;
  base: string;
  isThisDevice: boolean;
  onChanged: () => void;
}) {
  const path = `${base}/contact-methods/${encodeURIComponent(m.id)}`;
  const [note, setNote] = useState<string | null>(null);
  const [verifying, setVerifying] = useState(false);
  const actions = useActions();
  const { busy, error } = actions;

  // The row's buttons (test, verify, remove): one at a time, each clearing the last one's note and error.
  const run = (what: () => Promise<void>) => {
    setNote(null);
    return actions.run(what);
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
  const remove = () =>
    run(async () => {
      await api.del(path);
      // Removing this device's push method here also ends its subscription in the browser.
      if (isThisDevice) await unsubscribeThisDevice(m.address).catch(() => undefined);
      onChanged();
    });
  const verify = useApiForm({ code: '' }, async (v) => {
    actions.clearError();
    setNote(null);
    await api.post(`${path}/verification/confirm`, { code: v.code.trim() });
    setVerifying(false);
    verify.reset();
    setNote('Verified.');
    onChanged();
  });

  const info = kindInfo(m.kind);
  const name = m.label || m.address;
  // Only SMS and voice are verified before they page (the API says which); email, webhook, ntfy… are ready at once.
  const needsCode = m.needsVerification ?? (m.kind === 'sms' || m.kind === 'voice');
  return (
    <li>
      <div className="grow">
        <div>
          <Badge tone="info">{info.label}</Badge> <span className="strong">{name}</span>{' '}
          {needsCode && (m.isVerified ? <Badge tone="good">verified</Badge> : <Badge tone="warn">not verified</Badge>)}
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
          {isThisDevice && (
            <>
              {' '}
              <Badge tone="good">this device</Badge>
            </>
          )}
          {m.expiredAt && (
            <>
              {' '}
              <Badge tone="warn">expired</Badge>
            </>
          )}
        </div>
        {m.kind === 'webpush' ? (
          <div className="muted small">Push through {hostOf(m.address)}</div>
        ) : (
          <div className="muted small mono">
            {m.address}
            {m.serverUrl ? ` on ${m.serverUrl}` : ''}
          </div>
        )}
        {m.expiredAt && (
          <div className="error-cell small" role="note">
            The push service says this subscription ended ({relativeTime(m.expiredAt)}), so Muster no longer pages it.
            Enable push on that device again, or remove it.
          </div>
        )}
        {m.health?.status === 'failing' && <HealthNote health={m.health} />}
        {note && (
          <div className="saved small" role="status">
            {note}
          </div>
        )}
        <ErrorBanner error={error ?? verify.error} />
        {verifying && (
          <form className="inline-form" aria-label={`Verify ${name}`} onSubmit={verify.onSubmit}>
            <input aria-label="Verification code" {...verify.register('code')} />
            <button
              type="submit"
              className="btn btn-small btn-primary"
              disabled={busy || verify.busy || !verify.watch('code').trim()}
            >
              Confirm code
            </button>
          </form>
        )}
      </div>
      <span className="row-actions">
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => void sendTest()}>
          Send test
        </button>
        {needsCode && !m.isVerified && (
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
  const form = useApiForm<{ kind: Kind; label: string; address: string; serverUrl: string; accessToken: string }>(
    { kind: 'email', label: '', address: '', serverUrl: '', accessToken: '' },
    async (v) => {
      const res = await api.post<{ contactMethod: ContactMethod; secret?: string }>(`${base}/contact-methods`, {
        kind: v.kind,
        address: v.address.trim(),
        ...(v.label.trim() ? { label: v.label.trim() } : {}),
        ...(v.kind === 'ntfy' && v.serverUrl.trim() ? { serverUrl: v.serverUrl.trim() } : {}),
        ...(v.kind === 'ntfy' && v.accessToken.trim() ? { accessToken: v.accessToken.trim() } : {}),
      });
      form.reset({ kind: v.kind, label: '', address: '', serverUrl: '', accessToken: '' });
      onAdded(res.contactMethod, res.secret);
    },
  );
  const kind = form.watch('kind');
  const info = kindInfo(kind);
  return (
    <form onSubmit={form.onSubmit} noValidate aria-label="Add a contact method" className="subform">
      <h3 className="label-like">Add a contact method</h3>
      <ErrorBanner error={form.error} fields={['kind', 'label', 'address', 'serverUrl', 'accessToken']} />
      <div className="grid-2">
        <SelectField form={form} name="kind" id="cm-kind" label="Channel" options={KIND_OPTIONS} />
        <TextField
          form={form}
          name="address"
          id="cm-address"
          label={info.address}
          placeholder={info.placeholder}
          spellCheck={false}
          hint={info.hint || undefined}
        />
        <TextField form={form} name="label" id="cm-label" label="Label" hint="Optional, e.g. “work phone”." />
        {kind === 'ntfy' && (
          <>
            <TextField
              form={form}
              name="serverUrl"
              id="cm-server"
              label="ntfy server"
              placeholder="https://ntfy.sh"
              hint="Leave empty for the server Muster is configured with."
            />
            <TextField
              form={form}
              name="accessToken"
              id="cm-token"
              label="ntfy access token"
              type="password"
              hint="Optional (tk_…)."
            />
          </>
        )}
      </div>
      <FormActions busy={form.busy} submit="Add contact method" busyText="Adding…" />
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
  rules: Resource<{ rules: Rule[] }>;
  methods: ContactMethod[];
  methodName: (id: string) => string;
}) {
  const [error, setError] = useState<unknown>(null);
  const form = useApiForm<{ urgency: Urgency; contactMethodId: string; delayMinutes: string }>(
    { urgency: 'high', contactMethodId: '', delayMinutes: '0' },
    async (v) => {
      if (!v.contactMethodId) throw new Error('Pick a contact method.');
      await api.post<Rule>(`${base}/notification-rules`, {
        contactMethodId: v.contactMethodId,
        urgency: v.urgency,
        delayMinutes: Math.floor(Number(v.delayMinutes)),
      });
      rules.reload();
    },
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
  return (
    <Card title="Notification rules">
      <ErrorBanner error={error} />
      <Loadable resource={rules} what="rules">
        {(d) => (
          <div className="grid-2 align-start">
            {(['high', 'low'] as const).map((u) => {
              const mine = d.rules.filter((r) => r.urgency === u).sort((a, b) => a.delayMinutes - b.delayMinutes);
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
                          <ConfirmButton
                            label="Remove"
                            confirmLabel="Remove rule"
                            onConfirm={() => void remove(r.id)}
                          />
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
              );
            })}
          </div>
        )}
      </Loadable>
      <form onSubmit={form.onSubmit} noValidate aria-label="Add a rule" className="subform">
        <ErrorBanner error={form.error} fields={['contactMethodId', 'urgency', 'delayMinutes']} />
        <div className="rule-form">
          <SelectField form={form} name="urgency" id="rule-urgency" label="For" options={URGENCY_OPTIONS} />
          <SelectField
            form={form}
            name="contactMethodId"
            id="rule-method"
            label="Use"
            options={[
              { value: '', text: methods.length ? 'Choose a contact method…' : 'Add a contact method first' },
              ...methods.map((m) => ({ value: m.id, text: methodName(m.id) })),
            ]}
          />
          <TextField
            form={form}
            name="delayMinutes"
            id="rule-delay"
            label="After (minutes)"
            type="number"
            min={0}
            max={1440}
          />
          <div className="field">
            <FormActions
              busy={form.busy}
              submit="Add rule"
              busyText="Adding…"
              disabled={!form.watch('contactMethodId')}
            />
          </div>
        </div>
      </form>
    </Card>
  );
}
