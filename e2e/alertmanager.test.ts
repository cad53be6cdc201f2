/**
 * The real chain, end to end: a fake application's metrics → Prometheus 2.42 (the seed's HighErrorRate rule) →
 * Alertmanager 0.25 → Muster, through both of Alertmanager's ways in: the webhook receiver and the PagerDuty
 * receiver pointed at Muster's Events v2 endpoint. Debian's binaries must be installed; without them this fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { browserTestEngines } from '../src/db/testing/index.js';
import type { Engine } from '../src/db/index.js';
import {
  pollUntil,
  requireBinaries,
  startAlertmanager,
  startMetricsTarget,
  startPrometheus,
  type ManagedProcess,
  type MetricsTarget,
} from '../src/testing/prometheus.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { alertmanagerConfig, dashboardUrl, deploysUrl, highErrorRateRules, RUNBOOK_URL } from './prometheus/config.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('postgres');

interface ContextLink {
  kind: string;
  title: string;
  url: string;
}
interface AlertView {
  id: string;
  serviceId: string;
  source: string;
  status: string;
  severity: string;
  summary: string;
  dedupKey: string;
  labels: Record<string, string>;
  context: ContextLink[];
}

const SERVICE = 'checkout';
const FIRE_TIMEOUT_MS = 40_000;
const RESOLVE_TIMEOUT_MS = 30_000;

async function setUpService(
  m: TestMuster,
): Promise<{ serviceId: string; alertmanagerKey: string; pagerdutyKey: string }> {
  const team = await m.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' });
  assert.equal(team.status, 201, JSON.stringify(team.body));
  const service = await m.api<{ id: string }>('POST', '/api/services', { name: 'Checkout', teamId: team.body.id });
  assert.equal(service.status, 201, JSON.stringify(service.body));
  const key = async (source: string): Promise<string> => {
    const res = await m.api<{ key: string }>('POST', `/api/services/${service.body.id}/integration-keys`, { source });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.key;
  };
  return {
    serviceId: service.body.id,
    alertmanagerKey: await key('alertmanager'),
    pagerdutyKey: await key('pagerduty'),
  };
}

function chainTest(engine: Engine, webhookAuth: 'path' | 'bearer'): void {
  describe(`Prometheus → Alertmanager → Muster on ${engine} (webhook key in the ${webhookAuth === 'path' ? 'URL' : 'bearer header'})`, () => {
    let muster: TestMuster;
    let target: MetricsTarget | undefined;
    let am: ManagedProcess | undefined;
    let prom: ManagedProcess | undefined;
    let serviceId: string;

    before(async () => {
      // Fail (never skip) when Debian's prometheus or prometheus-alertmanager is missing.
      requireBinaries(['prometheus', 'alertmanager']);
      muster = await startTestMuster(engine);
      const keys = await setUpService(muster);
      serviceId = keys.serviceId;
      target = await startMetricsTarget({ service: SERVICE, errorRatio: 0 });
      am = await startAlertmanager({ config: alertmanagerConfig({ musterUrl: muster.url, webhookAuth, ...keys }) });
      prom = await startPrometheus({
        alertmanagers: [am.hostPort],
        scrape: { app: [target.hostPort] },
        ruleGroups: highErrorRateRules(),
      });
    });

    after(async () => {
      await prom?.stop();
      await am?.stop();
      await target?.stop();
      await muster?.stop();
    });

    const alerts = async (): Promise<AlertView[]> => {
      const res = await muster.api<{ alerts: AlertView[] }>('GET', `/api/alerts?service=${serviceId}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.alerts.filter((a) => a.serviceId === serviceId);
    };
    const describeState = async (): Promise<string> => {
      const seen = await alerts().catch((e: unknown) => `GET /api/alerts failed: ${String(e)}`);
      return (
        `Muster alerts: ${JSON.stringify(seen, null, 1)}\n` +
        `--- alertmanager log (tail) ---\n${am?.output().split('\n').slice(-15).join('\n')}\n` +
        `--- prometheus log (tail) ---\n${prom?.output().split('\n').slice(-10).join('\n')}`
      );
    };
    const bySource = (list: AlertView[], source: string): AlertView | undefined =>
      list.find((a) => a.source === source);

    it('opens the alert from both receivers with its runbook, dashboard and deploy links, then resolves it', async () => {
      target!.setErrorRatio(0.5);

      const fired = await pollUntil(
        'HighErrorRate to be triggered in Muster from the webhook and the PagerDuty receiver',
        async () => {
          const list = await alerts();
          const webhook = bySource(list, 'alertmanager');
          const pagerduty = bySource(list, 'pagerduty');
          return webhook?.status === 'triggered' && pagerduty?.status === 'triggered'
            ? { webhook, pagerduty }
            : undefined;
        },
        { timeoutMs: FIRE_TIMEOUT_MS, describe: describeState },
      );

      for (const [path, alert] of Object.entries(fired)) {
        const urls = (kind: string): string[] => alert.context.filter((l) => l.kind === kind).map((l) => l.url);
        assert.deepEqual(urls('runbook'), [RUNBOOK_URL], `${path}: runbook link`);
        assert.deepEqual(urls('dashboard'), [dashboardUrl(SERVICE)], `${path}: dashboard link`);
        assert.deepEqual(urls('deploys'), [deploysUrl(SERVICE)], `${path}: recent deploys link`);
        // The rule's `severity: page` is a paging severity whichever way it came in.
        assert.equal(alert.severity, 'critical', `${path}: severity`);
        // Runbook and dashboard come first: they are what the person who was paged acts on.
        assert.deepEqual(
          alert.context.slice(0, 2).map((l) => l.kind),
          ['runbook', 'dashboard'],
          `${path}: context order`,
        );
      }
      assert.equal(fired.webhook.labels.alertname, 'HighErrorRate');
      assert.equal(fired.webhook.labels.service, SERVICE);
      assert.match(fired.pagerduty.summary, /HighErrorRate/);

      const detail = await muster.api<AlertView>('GET', `/api/alerts/${fired.webhook.id}`);
      assert.equal(detail.status, 200, JSON.stringify(detail.body));
      assert.equal(detail.body.id, fired.webhook.id);
      assert.equal(detail.body.status, 'triggered');

      target!.setErrorRatio(0);

      await pollUntil(
        'HighErrorRate to be resolved in Muster from both receivers',
        async () => {
          const list = await alerts();
          const ids = new Set([fired.webhook.id, fired.pagerduty.id]);
          const mine = list.filter((a) => ids.has(a.id));
          return mine.length === 2 && mine.every((a) => a.status === 'resolved');
        },
        { timeoutMs: RESOLVE_TIMEOUT_MS, describe: describeState },
      );

      // One alert per receiver: Alertmanager's re-sends were deduplicated, nothing opened twice.
      const final = await alerts();
      assert.equal(final.filter((a) => a.source === 'alertmanager').length, 1, JSON.stringify(final));
      assert.equal(final.filter((a) => a.source === 'pagerduty').length, 1, JSON.stringify(final));
    });
  });
}

// SQLite with the key in the webhook URL; PostgreSQL with the key as a bearer token (both documented forms).
for (const engine of ENGINES) chainTest(engine, engine === 'sqlite' ? 'path' : 'bearer');
