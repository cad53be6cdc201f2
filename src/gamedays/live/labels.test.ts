/**
 * Pure parts of live game days: the DRILL label on every channel's rendering, the synthetic alert, the halt
 * comparison over Prometheus answers, the adapters' config checks and the ChaosEngine document.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderSms, renderVoice, type OutboundMessage } from '../../notify/model.js';
import { ntfyPayload } from '../../notify/ntfy.js';
import { slackBlocks } from '../../notify/slack.js';
import { webhookPayload } from '../../notify/webhook.js';
import { crosses, valueOf } from './halt.js';
import { ADAPTERS, engineName } from './injection/index.js';
import { chaosEngine } from './injection/litmus.js';
import { drillEvent } from './labels.js';

const msg = (drill: boolean): OutboundMessage => ({
  subject: '[Muster] Checkout errors',
  body: 'CRITICAL on Checkout',
  deliveryId: 'dlv_1',
  urgency: 'high',
  alertId: 'alr_1',
  links: null,
  ...(drill ? { drill: true } : {}),
});

describe('DRILL labels', () => {
  it('prefixes SMS, voice, push and Slack text, and sets the webhook field', () => {
    assert.match(renderSms(msg(true)), /^DRILL: \[Muster\] Checkout errors/);
    assert.match(renderVoice(msg(true)), /This is Muster\. DRILL: /);
    assert.equal(ntfyPayload(msg(true), 'topic').title, 'DRILL: [Muster] Checkout errors');
    const header = slackBlocks(msg(true))[0] as { text: { text: string } };
    assert.equal(header.text.text, 'DRILL: [Muster] Checkout errors');
    assert.equal(webhookPayload(msg(true), 0).drill, true);
  });
  it('leaves real pages alone', () => {
    assert.doesNotMatch(renderSms(msg(false)), /DRILL/);
    assert.equal(ntfyPayload(msg(false), 'topic').title, '[Muster] Checkout errors');
    assert.equal(webhookPayload(msg(false), 0).drill, false);
  });
  it('builds the synthetic alert with DRILL in its title and the game day in its labels', () => {
    const e = drillEvent({ id: 'gdy_1', title: 'Payments' }, {}, 2);
    assert.equal(e.title, 'DRILL: Payments');
    assert.equal(e.dedupKey, 'gameday:gdy_1:2');
    assert.deepEqual(e.labels, { gameday: 'gdy_1', drill: 'true' });
    assert.equal(drillEvent({ id: 'g', title: 't' }, { summary: 'DRILL already' }, 1).title, 'DRILL already');
  });
});

describe('halt conditions', () => {
  it('compares a scalar, the largest sample (smallest for < and <=), and ignores an empty vector', () => {
    const vector = (...vs: string[]) => ({
      status: 'success',
      data: { resultType: 'vector', result: vs.map((v) => ({ metric: {}, value: [1, v] })) },
    });
    assert.equal(valueOf({ status: 'success', data: { resultType: 'scalar', result: [1, '0.5'] } }, '>'), 0.5);
    assert.equal(valueOf(vector('1', '7', 'NaN'), '>'), 7);
    assert.equal(valueOf(vector('1', '7'), '<'), 1);
    assert.equal(valueOf(vector(), '>'), null);
    assert.throws(() => valueOf({ status: 'error', error: 'parse error' }, '>'), /parse error/);
    assert.throws(() => valueOf({ status: 'success', data: { resultType: 'matrix', result: [] } }, '>'), /matrix/);
    assert.ok(
      crosses(2, '>', 1) && !crosses(1, '>', 1) && crosses(1, '>=', 1) && crosses(0, '<', 1) && crosses(1, '<=', 1),
    );
  });
});

describe('injection adapters', () => {
  it('name each problem with its field', () => {
    assert.deepEqual(
      ADAPTERS.webhook.problems({}, false).map((p) => p.field),
      ['secret'],
    );
    assert.deepEqual(
      ADAPTERS.chaostoolkit.problems({ experiment: { title: '', method: [] } }, false).map((p) => p.field),
      ['config/experiment/title', 'config/experiment/method'],
    );
    assert.deepEqual(
      ADAPTERS.litmus.problems({ namespace: 'Bad_NS', spec: {} }, true).map((p) => p.field),
      ['config/namespace', 'config/spec/experiments'],
    );
    assert.deepEqual(
      ADAPTERS.gremlin.problems({ command: {} }, false).map((p) => p.field),
      ['secret', 'config/target', 'config/command'],
    );
  });
  it('builds an active ChaosEngine named after the game day', () => {
    assert.equal(engineName('gdy_01ABC'), 'muster-gdy-01abc');
    const e = chaosEngine({
      gamedayId: 'gdy_01ABC',
      title: 't',
      url: 'https://k8s.example',
      secret: null,
      config: { namespace: 'shop', spec: { experiments: [{ name: 'pod-delete' }], engineState: 'stop' } },
      externalRef: null,
      publicOnly: true,
      now: 0,
    });
    assert.equal(e.kind, 'ChaosEngine');
    assert.deepEqual((e.metadata as { namespace: string }).namespace, 'shop');
    assert.equal((e.spec as { engineState: string }).engineState, 'active');
  });
});
