/**
 * An Opsgenie organisation for the import tests (src/import/opsgenie/): every restriction kind (time-of-day across
 * midnight, weekday-and-time-of-day on weekdays and across the weekend), weekly, daily and 12-hour rotations, a `none`
 * turn, a team participant, two rotations in one schedule, an override, an escalation with rules at 0, 5, 5 and 17
 * minutes and repeat 2, and integrations of four kinds. Rotations started in November 2026; the override lies three
 * days after `now`, so it has not ended whenever the tests run.
 */
import type { OgFixture, OgUser } from './opsgenie.js';

const user = (id: string, username: string, fullName: string, role: string, timeZone = 'Europe/London'): OgUser => ({
  id,
  username,
  fullName,
  role: { id: role.toLowerCase(), name: role },
  timeZone,
});

export const OG = {
  ana: user('u-ana', 'ana@example.com', 'Ana Lima', 'Owner'),
  ben: user('u-ben', 'Ben@Example.com', 'Ben Okoro', 'Admin'),
  cleo: user('u-cleo', 'cleo@example.com', 'Cleo Park', 'User', 'Asia/Kolkata'),
  dan: user('u-dan', 'dan@example.com', 'Dan Weiss', 'User', 'Not/AZone'),
  eve: user('u-eve', 'eve@example.com', 'Eve Adams', 'User', 'UTC'),
  bot: user('u-bot', 'alerts-bot', 'Alerts bot', 'User'),
};

const ref = (u: OgUser) => ({ type: 'user' as const, id: u.id, username: u.username });

export function opsgenieFixture(now: number): OgFixture {
  const hour = 3_600_000;
  const overrideStart = Math.floor(now / hour) * hour + 72 * hour;
  return {
    users: Object.values(OG),
    notificationRules: {
      [OG.ana.id]: [
        {
          id: 'nr-ana-1',
          name: 'New alert',
          actionType: 'create-alert',
          order: 1,
          enabled: true,
          steps: [
            { contact: { method: 'mobile', to: 'Ana phone' }, sendAfter: { timeAmount: 0 }, enabled: true },
            { contact: { method: 'sms', to: '44-7700900123' }, sendAfter: { timeAmount: 3 }, enabled: true },
            { contact: { method: 'voice', to: '44-7700900123' }, sendAfter: { timeAmount: 10 }, enabled: true },
          ],
        },
        { id: 'nr-ana-2', name: 'Closed', actionType: 'closed-alert', order: 2, enabled: true, steps: [] },
      ],
      [OG.ben.id]: [
        {
          id: 'nr-ben-1',
          name: 'New alert',
          actionType: 'create-alert',
          order: 1,
          enabled: true,
          steps: [{ contact: { method: 'email', to: 'ben@example.com' }, sendAfter: { timeAmount: 0 }, enabled: true }],
        },
      ],
    },
    teams: [
      {
        id: 't-platform',
        name: 'Platform',
        description: 'Platform engineering',
        members: [
          { user: ref(OG.ana), role: 'admin' },
          { user: ref(OG.ben), role: 'user' },
          { user: ref(OG.cleo), role: 'user' },
        ],
      },
      {
        id: 't-db',
        name: 'Database',
        description: '',
        members: [
          { user: ref(OG.cleo), role: 'admin' },
          { user: ref(OG.dan), role: 'user' },
          { user: ref(OG.eve), role: 'user' },
        ],
      },
      { id: 't-sre', name: 'SRE', description: 'Site reliability', members: [{ user: ref(OG.eve), role: 'admin' }] },
    ],
    schedules: [
      {
        id: 's-platform',
        name: 'Platform_primary',
        description: 'Business week and weekend cover',
        timezone: 'Europe/Berlin',
        enabled: true,
        ownerTeam: { id: 't-platform', name: 'Platform' },
        rotations: [
          {
            id: 'r-week',
            name: 'Week',
            // Monday 2 November 2026, 09:00 in Berlin
            startDate: '2026-11-02T08:00:00Z',
            type: 'weekly',
            length: 1,
            participants: [ref(OG.ana), ref(OG.ben)],
            timeRestriction: {
              type: 'weekday-and-time-of-day',
              restrictions: [
                { startDay: 'monday', startHour: 9, startMin: 0, endDay: 'friday', endHour: 17, endMin: 0 },
                { startDay: 'friday', startHour: 22, startMin: 0, endDay: 'monday', endHour: 6, endMin: 0 },
              ],
            },
          },
          {
            id: 'r-friday',
            name: 'Friday evening',
            startDate: '2026-11-06T16:00:00Z',
            type: 'weekly',
            length: 1,
            participants: [ref(OG.cleo), ref(OG.eve)],
            timeRestriction: {
              type: 'weekday-and-time-of-day',
              restrictions: [
                { startDay: 'friday', startHour: 17, startMin: 0, endDay: 'friday', endHour: 22, endMin: 0 },
              ],
            },
          },
          {
            id: 'r-old',
            name: 'Old cover',
            startDate: '2026-01-05T08:00:00Z',
            endDate: '2026-02-02T08:00:00Z',
            type: 'daily',
            length: 1,
            participants: [ref(OG.dan)],
          },
        ],
      },
      {
        id: 's-night',
        name: 'Night watch',
        description: '',
        timezone: 'Asia/Kolkata',
        enabled: true,
        ownerTeam: { id: 't-db', name: 'Database' },
        rotations: [
          {
            id: 'r-night',
            name: 'Nights',
            // 22:00 in Kolkata (UTC+05:30)
            startDate: '2026-11-01T16:30:00Z',
            type: 'daily',
            length: 2,
            participants: [ref(OG.cleo), ref(OG.dan), ref(OG.eve)],
            timeRestriction: {
              type: 'time-of-day',
              restriction: { startHour: 22, startMin: 0, endHour: 6, endMin: 0 },
            },
          },
        ],
      },
      {
        id: 's-halfday',
        name: 'DB half days',
        description: '',
        timezone: 'UTC',
        enabled: true,
        ownerTeam: { id: 't-db', name: 'Database' },
        rotations: [
          {
            id: 'r-day',
            name: 'Days',
            startDate: '2026-11-01T08:00:00Z',
            type: 'hourly',
            length: 12,
            participants: [ref(OG.dan), { type: 'none' }],
          },
          {
            id: 'r-evening',
            name: 'Evenings',
            startDate: '2026-11-01T20:00:00Z',
            type: 'daily',
            length: 1,
            participants: [ref(OG.eve), ref(OG.cleo), ref(OG.dan)],
            timeRestriction: {
              type: 'time-of-day',
              restriction: { startHour: 20, startMin: 0, endHour: 8, endMin: 0 },
            },
          },
        ],
      },
      {
        id: 's-sre',
        name: 'SRE desk',
        description: '',
        timezone: 'UTC',
        enabled: true,
        ownerTeam: { id: 't-sre', name: 'SRE' },
        rotations: [
          {
            id: 'r-sre',
            name: 'Desk',
            startDate: '2026-11-02T00:00:00Z',
            type: 'weekly',
            length: 1,
            participants: [ref(OG.eve), { type: 'team', id: 't-db', name: 'Database' }],
          },
        ],
      },
    ],
    overrides: {
      's-platform': [
        {
          alias: 'dentist',
          user: ref(OG.dan),
          startDate: new Date(overrideStart).toISOString(),
          endDate: new Date(overrideStart + 6 * hour).toISOString(),
          rotations: [],
        },
        {
          alias: 'long-ago',
          user: ref(OG.eve),
          startDate: '2026-01-01T00:00:00Z',
          endDate: '2026-01-02T00:00:00Z',
          rotations: [],
        },
      ],
    },
    escalations: [
      {
        id: 'e-platform',
        name: 'Platform_escalation',
        description: 'Primary, then the leads',
        ownerTeam: { id: 't-platform', name: 'Platform' },
        rules: [
          {
            condition: 'if-not-acked',
            notifyType: 'default',
            delay: { timeAmount: 0, timeUnit: 'minutes' },
            recipient: { type: 'schedule', id: 's-platform', name: 'Platform_primary' },
          },
          {
            condition: 'if-not-acked',
            notifyType: 'default',
            delay: { timeAmount: 5, timeUnit: 'minutes' },
            recipient: ref(OG.ben),
          },
          {
            condition: 'if-not-acked',
            notifyType: 'default',
            delay: { timeAmount: 5, timeUnit: 'minutes' },
            recipient: ref(OG.cleo),
          },
          {
            condition: 'if-not-acked',
            notifyType: 'default',
            delay: { timeAmount: 17, timeUnit: 'minutes' },
            recipient: ref(OG.ana),
          },
        ],
        repeat: { waitInterval: 10, count: 2, resetRecipientStates: false, closeAlertAfterAll: false },
      },
      {
        id: 'e-db',
        name: 'Database_escalation',
        description: '',
        ownerTeam: { id: 't-db', name: 'Database' },
        rules: [
          {
            condition: 'if-not-acked',
            notifyType: 'default',
            delay: { timeAmount: 0, timeUnit: 'minutes' },
            recipient: { type: 'schedule', id: 's-night', name: 'Night watch' },
          },
          {
            condition: 'if-not-acked',
            notifyType: 'default',
            delay: { timeAmount: 0, timeUnit: 'minutes' },
            recipient: { type: 'schedule', id: 's-halfday', name: 'DB half days' },
          },
          {
            condition: 'if-not-acked',
            notifyType: 'default',
            delay: { timeAmount: 1, timeUnit: 'hours' },
            recipient: { type: 'team', id: 't-sre', name: 'SRE' },
          },
          {
            condition: 'if-not-closed',
            notifyType: 'default',
            delay: { timeAmount: 90, timeUnit: 'minutes' },
            recipient: ref(OG.cleo),
          },
        ],
      },
    ],
    routingRules: {
      't-platform': [
        {
          id: 'rr-platform',
          name: 'Default',
          isDefault: true,
          order: 0,
          criteria: { type: 'match-all' },
          notify: { type: 'escalation', id: 'e-platform', name: 'Platform_escalation' },
        },
      ],
      't-db': [
        {
          id: 'rr-db-nights',
          name: 'Replication lag',
          isDefault: false,
          order: 0,
          criteria: {
            type: 'match-all-conditions',
            conditions: [{ field: 'message', operation: 'contains', expectedValue: 'lag' }],
          },
          notify: { type: 'schedule', id: 's-night', name: 'Night watch' },
        },
        {
          id: 'rr-db',
          name: 'Default',
          isDefault: true,
          order: 1,
          criteria: { type: 'match-all' },
          notify: { type: 'escalation', id: 'e-db', name: 'Database_escalation' },
        },
      ],
    },
    integrations: [
      { id: 'i-prom', name: 'Prometheus', enabled: true, type: 'Prometheus', teamId: 't-platform' },
      { id: 'i-grafana', name: 'Grafana', enabled: true, type: 'Grafana', teamId: 't-platform' },
      { id: 'i-api', name: 'Default API', enabled: true, type: 'API' },
      { id: 'i-mail', name: 'DB mail', enabled: false, type: 'Email', teamId: 't-db' },
    ],
  };
}
