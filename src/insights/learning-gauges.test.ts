/**
 * The backlog gauges (docs/insights.md, "Prometheus gauges") as a scrape sees them, with a stand-in source: no source
 * yet (nothing but zeros), values read at scrape time, and a source that fails (the database away) leaving the last
 * values and the scrape answering.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics, type BacklogSource } from '../http/metrics.js';

const value = (text: string, name: string): number | undefined => {
  const m = new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

describe('backlog gauges', () => {
  it('are read at scrape time and keep their last values when the source fails', async () => {
    const metrics = createMetrics();
    const before = await metrics.registry.metrics();
    assert.equal(value(before, 'muster_postmortems_overdue'), 0, 'no source yet: zero');

    let figures = { open: { P1: 1, P2: 0, P3: 2, P4: 0 }, pm: 3, items: 5, overdue: 2 };
    let failing = false;
    const read = <T>(v: () => T) =>
      failing ? Promise.reject(new Error('database unavailable')) : Promise.resolve(v());
    const source: BacklogSource = {
      incidentsOpen: () => read(() => figures.open),
      postmortemsOverdue: () => read(() => figures.pm),
      actionItemsOpen: () => read(() => figures.items),
      actionItemsOverdue: () => read(() => figures.overdue),
    };
    metrics.setBacklog(source);
    const first = await metrics.registry.metrics();
    assert.equal(value(first, 'muster_incidents_open{severity="P1"}'), 1);
    assert.equal(value(first, 'muster_incidents_open{severity="P3"}'), 2);
    assert.equal(value(first, 'muster_postmortems_overdue'), 3);
    assert.equal(value(first, 'muster_action_items_open'), 5);
    assert.equal(value(first, 'muster_action_items_overdue'), 2);

    figures = { open: { P1: 0, P2: 1, P3: 2, P4: 0 }, pm: 1, items: 4, overdue: 0 };
    const second = await metrics.registry.metrics();
    assert.equal(value(second, 'muster_incidents_open{severity="P1"}'), 0);
    assert.equal(value(second, 'muster_incidents_open{severity="P2"}'), 1);
    assert.equal(value(second, 'muster_action_items_overdue'), 0);

    failing = true;
    const away = await metrics.registry.metrics();
    assert.equal(value(away, 'muster_incidents_open{severity="P2"}'), 1, 'the last value stays');
    assert.equal(value(away, 'muster_postmortems_overdue'), 1);
    assert.equal(value(away, 'muster_action_items_open'), 4);
  });
});
