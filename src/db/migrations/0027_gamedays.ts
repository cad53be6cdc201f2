import type { Kysely } from 'kysely';

/**
 * Game days (docs/gamedays.md): a scenario library (built-ins seeded here, teams add their own), game days (tabletop or
 * live drill; once or recurring), their participants and target services, the facilitator's timed injects and
 * expected actions, an optional failure injection (a signed webhook or a chaos tool adapter, with a sealed secret) with
 * halt conditions, and the game day's own timeline. A game day runs in a drill incident (`incidents.kind = 'drill'`) —
 * the drill room — and closes with a debrief: a post-mortem on that incident with the "Game day debrief" template.
 * Live drills enter the real intake through a drill integration key; the alerts they raise are marked `is_drill` so
 * every notification says DRILL.
 */
const SCENARIOS: {
  key: string;
  name: string;
  category: string;
  level: string;
  summary: string;
  hypothesis: string;
  expected: string[];
  injects: [number, string][];
  safety: string;
}[] = [
  {
    key: 'node_loss',
    name: 'Node loss',
    category: 'infrastructure',
    level: 'tabletop',
    summary: 'One application node stops answering: the load balancer must route around it.',
    hypothesis: 'If one node of the service is lost, on-call is paged within 5 minutes and traffic recovers within 15.',
    expected: [
      'Acknowledge the page',
      'Assess severity from customer impact',
      'Assign an Incident Commander',
      'Check recent changes',
      'Confirm the node is out of rotation',
    ],
    injects: [
      [0, 'Error rate on the service rises to 8% of requests.'],
      [300, 'One node stops answering health checks; the others show higher CPU.'],
      [600, 'Latency p99 doubles on the remaining nodes.'],
    ],
    safety: 'Tabletop: nothing is changed in production. For a live run, use one node in staging first.',
  },
  {
    key: 'network_partition',
    name: 'Network partition',
    category: 'infrastructure',
    level: 'tabletop',
    summary: 'Two zones cannot reach each other; each side sees the other as down.',
    hypothesis:
      'If the zones are partitioned, the team finds the partition within 15 minutes and stops writes on one side.',
    expected: [
      'Acknowledge the page',
      'Assess severity from customer impact',
      'Assign an Incident Commander',
      'Identify which side keeps writing',
      'Post a stakeholder update',
    ],
    injects: [
      [0, 'Timeouts between services in zone A and zone B.'],
      [240, 'The database replica in zone B reports replication lag growing.'],
      [540, 'Customers in one region report failed checkouts.'],
    ],
    safety: 'Tabletop first. A live partition belongs in staging until the team has run it twice.',
  },
  {
    key: 'disk_full',
    name: 'Disk full',
    category: 'infrastructure',
    level: 'tabletop',
    summary: 'A database volume fills up and writes start failing.',
    hypothesis: 'If the database disk fills, on-call is paged before writes fail and frees space within 30 minutes.',
    expected: [
      'Acknowledge the page',
      'Assess severity from customer impact',
      'Find what is filling the disk',
      'Follow the runbook to free space',
      'Add an action item for the alert threshold',
    ],
    injects: [
      [0, 'Disk usage on the primary database volume is at 92%.'],
      [300, 'Disk usage is at 98%; log volume tripled after the last deploy.'],
      [600, 'Writes fail with "no space left on device".'],
    ],
    safety: 'Tabletop: nothing is changed. A live run fills a scratch volume in staging, never the database.',
  },
  {
    key: 'dependency_outage',
    name: 'Payment provider outage',
    category: 'dependency',
    level: 'tabletop',
    summary: 'The payment provider degrades, then fails: checkout depends on it.',
    hypothesis:
      'If the payment provider fails, the team degrades checkout gracefully and tells customers within 20 minutes.',
    expected: [
      'Acknowledge the page',
      'Assess severity from customer impact',
      'Check the provider status page',
      'Post a status page update',
      'Decide on the fallback (queue payments, disable checkout)',
    ],
    injects: [
      [0, 'Error rate at checkout 12%.'],
      [420, "The payment provider's status page says degraded."],
      [900, 'Payment calls time out after 30 seconds; support tickets are arriving.'],
    ],
    safety: "Tabletop. Never call the real provider's API in a drill.",
  },
  {
    key: 'cascading_failure',
    name: 'Cascading failure',
    category: 'cascading',
    level: 'tabletop',
    summary: 'A slow service exhausts its callers’ connection pools, and they fail in turn.',
    hypothesis:
      'If one service slows down, the team finds the first cause — not the loudest symptom — within 30 minutes.',
    expected: [
      'Acknowledge the page',
      'Assign an Incident Commander',
      'Assess severity from customer impact',
      'Find the first service to degrade',
      'Shed load or open circuit breakers',
    ],
    injects: [
      [0, 'Latency on the search service is up 5x.'],
      [180, 'The API gateway reports connection pool exhaustion.'],
      [360, 'Three more services alert: timeouts to the gateway.'],
    ],
    safety: 'Tabletop. Live cascades belong in staging with a halt condition on error rate.',
  },
  {
    key: 'compromised_credentials',
    name: 'Compromised credentials',
    category: 'security',
    level: 'tabletop',
    summary: 'A deploy key shows up in a public repository; unusual API calls follow.',
    hypothesis:
      'If a credential leaks, the team revokes it within 15 minutes and knows what it touched within an hour.',
    expected: [
      'Assess severity from customer impact',
      'Assign an Incident Commander',
      'Revoke and rotate the credential',
      'Review access logs',
      'Decide who must be told (security, legal)',
    ],
    injects: [
      [0, 'A secret scanner reports a deploy key in a public repository.'],
      [300, 'Access logs show the key used from an unknown address.'],
      [720, 'A customer asks about an email claiming a breach.'],
    ],
    safety: 'Tabletop. Use a made-up key; never paste a real secret into the drill room.',
  },
  {
    key: 'breach_detection',
    name: 'Breach detection',
    category: 'security',
    level: 'tabletop',
    summary: 'Data leaves the network at an unusual rate at night.',
    hypothesis: 'If data exfiltration starts, the team contains it within 30 minutes and preserves evidence.',
    expected: [
      'Assess severity from customer impact',
      'Assign an Incident Commander',
      'Contain: block the traffic',
      'Preserve logs and evidence',
      'Start the disclosure checklist',
    ],
    injects: [
      [0, 'Outbound traffic from one host is 40x its usual volume.'],
      [360, 'The host runs a process nobody recognises.'],
      [780, 'The same process appears on a second host.'],
    ],
    safety: 'Tabletop only.',
  },
  {
    key: 'slack_down',
    name: 'Slack is down',
    category: 'communication',
    level: 'live',
    summary: 'Chat is unavailable during an incident: the team coordinates in the incident room alone.',
    hypothesis:
      'If Slack is down, the team still coordinates through Muster’s incident room and bridge within 10 minutes.',
    expected: [
      'Acknowledge the page',
      'Assign an Incident Commander',
      'Coordinate in the incident room',
      'Join the bridge',
      'Post a stakeholder update from Muster',
    ],
    injects: [
      [0, 'An alert fires on checkout; Slack does not load.'],
      [300, 'Someone asks by text message where the team is meeting.'],
    ],
    safety: 'Muster mutes its Slack integration for the drill incident only; real incidents still post to Slack.',
  },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('gameday_scenarios')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('key', 'text', (c) => c.unique())
    .addColumn('team_id', 'text', (c) => c.references('teams.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('hypothesis', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('expected_actions', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('injects', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('safety_notes', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('is_builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('archived_at', 'bigint')
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('gamedays')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('scenario_id', 'text', (c) => c.references('gameday_scenarios.id').onDelete('set null'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('scenario', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('hypothesis', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('safety_notes', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('facilitator_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('severity', 'text', (c) => c.notNull().defaultTo('P2'))
    .addColumn('scheduled_at', 'bigint')
    .addColumn('duration_minutes', 'integer', (c) => c.notNull().defaultTo(60))
    .addColumn('recurrence', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('series_id', 'text')
    .addColumn('reminded_at', 'bigint')
    .addColumn('mute_chat', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('incident_id', 'text', (c) => c.references('incidents.id').onDelete('set null'))
    .addColumn('started_at', 'bigint')
    .addColumn('halted_at', 'bigint')
    .addColumn('halt_reason', 'text')
    .addColumn('ended_at', 'bigint')
    .addColumn('hypothesis_outcome', 'text')
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('gamedays_team_idx').on('gamedays').columns(['team_id', 'scheduled_at']).execute();
  await db.schema.createIndex('gamedays_status_idx').on('gamedays').columns(['status', 'scheduled_at']).execute();
  await db.schema.createIndex('gamedays_incident_idx').on('gamedays').column('incident_id').execute();

  await db.schema
    .createTable('gameday_participants')
    .addColumn('gameday_id', 'text', (c) => c.notNull().references('gamedays.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('participant'))
    .addPrimaryKeyConstraint('gameday_participants_pk', ['gameday_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('gameday_services')
    .addColumn('gameday_id', 'text', (c) => c.notNull().references('gamedays.id').onDelete('cascade'))
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('gameday_services_pk', ['gameday_id', 'service_id'])
    .execute();
  await db.schema.createIndex('gameday_services_service_idx').on('gameday_services').column('service_id').execute();

  await db.schema
    .createTable('gameday_injects')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('gameday_id', 'text', (c) => c.notNull().references('gamedays.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('offset_seconds', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('delivered_at', 'bigint')
    .addColumn('added_live', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('gameday_injects_gameday_idx')
    .on('gameday_injects')
    .columns(['gameday_id', 'offset_seconds'])
    .execute();

  await db.schema
    .createTable('gameday_expected_actions')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('gameday_id', 'text', (c) => c.notNull().references('gamedays.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('marked_at', 'bigint')
    .addColumn('marked_by_label', 'text')
    .execute();
  await db.schema
    .createIndex('gameday_expected_actions_gameday_idx')
    .on('gameday_expected_actions')
    .columns(['gameday_id', 'position'])
    .execute();

  await db.schema
    .createTable('gameday_injections')
    .addColumn('gameday_id', 'text', (c) => c.primaryKey().notNull().references('gamedays.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text')
    .addColumn('config', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('idle'))
    .addColumn('external_ref', 'text')
    .addColumn('started_at', 'bigint')
    .addColumn('rolled_back_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute();

  await db.schema
    .createTable('gameday_halt_conditions')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('gameday_id', 'text', (c) => c.notNull().references('gamedays.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('prometheus_url', 'text')
    .addColumn('query', 'text')
    .addColumn('comparator', 'text')
    .addColumn('threshold', 'double precision')
    .addColumn('last_value', 'double precision')
    .addColumn('last_checked_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createIndex('gameday_halt_conditions_gameday_idx')
    .on('gameday_halt_conditions')
    .column('gameday_id')
    .execute();

  await db.schema
    .createTable('gameday_events')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('gameday_id', 'text', (c) => c.notNull().references('gamedays.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .createIndex('gameday_events_gameday_idx')
    .on('gameday_events')
    .columns(['gameday_id', 'at'])
    .execute();

  await db.schema
    .alterTable('integration_keys')
    .addColumn('is_drill', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('alerts')
    .addColumn('is_drill', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  const now = Date.now();
  for (const s of SCENARIOS) {
    await db
      .insertInto('gameday_scenarios' as never)
      .values({
        id: `gds_${s.key}`,
        key: s.key,
        team_id: null,
        name: s.name,
        category: s.category,
        level: s.level,
        summary: s.summary,
        hypothesis: s.hypothesis,
        expected_actions: JSON.stringify(s.expected),
        injects: JSON.stringify(s.injects.map(([offsetSeconds, body]) => ({ offsetSeconds, body }))),
        safety_notes: s.safety,
        is_builtin: 1,
        archived_at: null,
        created_by_label: 'Muster',
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  await db
    .insertInto('postmortem_templates' as never)
    .values({
      id: 'pmt_gameday',
      name: 'Game day debrief',
      description: 'For the debrief that closes every game day. Safe to fail: findings are gaps, not incidents.',
      sections: JSON.stringify([
        {
          key: 'summary',
          title: 'Summary',
          kind: 'text',
          required: true,
          help: 'The scenario, who took part, and how the drill ran.',
        },
        {
          key: 'hypothesis',
          title: 'Hypothesis',
          kind: 'text',
          required: true,
          help: 'The hypothesis, and whether the drill confirmed it, refuted it, or partly confirmed it — with the times measured.',
        },
        {
          key: 'timeline',
          title: 'Timeline',
          kind: 'timeline',
          required: false,
          help: 'Pre-filled from the drill room: injects, acknowledgements, roles, severity.',
        },
        {
          key: 'went_well',
          title: 'What went well',
          kind: 'text',
          required: true,
          help: 'What the team did well. Keep doing these.',
        },
        {
          key: 'could_improve',
          title: 'What could be improved',
          kind: 'text',
          required: true,
          help: 'Where the runbooks, tools or process made the response harder. Describe systems, not people.',
        },
        {
          key: 'gaps',
          title: 'Gaps found',
          kind: 'text',
          required: true,
          help: 'What the drill discovered that a real incident would have hit: missing alerts, access, runbooks.',
        },
        {
          key: 'action_items',
          title: 'Action items',
          kind: 'actions',
          required: true,
          help: 'Each gap gets an owner and a due date.',
        },
      ]),
      is_builtin: 1,
      archived_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db
    .deleteFrom('postmortem_templates' as never)
    .where('id' as never, '=', 'pmt_gameday' as never)
    .execute();
  await db.schema.alterTable('alerts').dropColumn('is_drill').execute();
  await db.schema.alterTable('integration_keys').dropColumn('is_drill').execute();
  for (const t of [
    'gameday_events',
    'gameday_halt_conditions',
    'gameday_injections',
    'gameday_expected_actions',
    'gameday_injects',
    'gameday_services',
    'gameday_participants',
    'gamedays',
    'gameday_scenarios',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
