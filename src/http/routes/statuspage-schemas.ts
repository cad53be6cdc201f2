/** TypeBox schemas and presenters for the status page API (admin and public), so the OpenAPI document names them. */
import { Type } from '@sinclair/typebox';
import type {
  Component,
  Maintenance,
  PublicIncident,
  PublicStatusView,
  PublicUpdate,
  Subscriber,
  Template,
} from '../../statuspage/index.js';
import { fromJsonText } from '../../shared/json.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { NullableTimestamp, Timestamp } from '../schemas.js';

export const ComponentStatusSchema = Type.Union(
  [
    Type.Literal('operational'),
    Type.Literal('under_maintenance'),
    Type.Literal('degraded_performance'),
    Type.Literal('partial_outage'),
    Type.Literal('major_outage'),
  ],
  { description: 'Worst last: operational, under_maintenance, degraded_performance, partial_outage, major_outage' },
);
export const PublicStatusSchema = Type.Union([
  Type.Literal('investigating'),
  Type.Literal('identified'),
  Type.Literal('monitoring'),
  Type.Literal('resolved'),
]);
export const MaintenanceStatusSchema = Type.Union([
  Type.Literal('scheduled'),
  Type.Literal('in_progress'),
  Type.Literal('completed'),
  Type.Literal('cancelled'),
]);

export const SettingsSchema = Type.Object(
  {
    title: Type.String(),
    slug: Type.String(),
    description: Type.String(),
    url: Type.String({ description: 'The public page' }),
    updatedAt: Timestamp,
  },
  { $id: 'StatusPageSettings' },
);

export const ComponentSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    serviceIds: Type.Array(Type.String(), { description: 'Linked catalog services' }),
    status: ComponentStatusSchema,
    displayOrder: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  {
    $id: 'StatusComponent',
    description:
      '`status` is what an administrator set; the page shows the worst of it, open incidents and maintenance in progress.',
  },
);

export const AffectedComponentSchema = Type.Object({ componentId: Type.String(), status: ComponentStatusSchema });

export const TemplateSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    status: PublicStatusSchema,
    publicText: Type.String(),
    internalText: Type.String(),
    isBuiltIn: Type.Boolean(),
  },
  {
    $id: 'StatusTemplate',
    description: 'Placeholders: {{title}}, {{severity}}, {{impact}}, {{next_update}}, {{components}}, {{status}}.',
  },
);

export const UpdateSchema = Type.Object(
  {
    id: Type.String(),
    status: Type.String(),
    body: Type.String(),
    templateId: Type.Union([Type.String(), Type.Null()]),
    postedByLabel: Type.String(),
    postedAt: Timestamp,
  },
  { $id: 'StatusUpdate' },
);

export const PublicationSchema = Type.Object(
  {
    publication: Type.Object({
      id: Type.String(),
      incidentId: Type.String(),
      title: Type.String(),
      impact: Type.String(),
      status: PublicStatusSchema,
      components: Type.Array(AffectedComponentSchema),
      publishedAt: Timestamp,
      resolvedAt: NullableTimestamp,
      updatedAt: Timestamp,
    }),
    updates: Type.Array(UpdateSchema),
  },
  { $id: 'StatusPublication' },
);

export const MaintenanceSchema = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    description: Type.String(),
    componentIds: Type.Array(Type.String()),
    startsAt: Timestamp,
    endsAt: Timestamp,
    cancelledAt: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'StatusMaintenance' },
);

export const SubscriberSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.String({ description: 'email or webhook' }),
    address: Type.String(),
    confirmedAt: NullableTimestamp,
    unsubscribedAt: NullableTimestamp,
    createdAt: Timestamp,
    componentIds: Type.Array(Type.String(), { description: 'The components followed; empty: every component' }),
  },
  { $id: 'StatusSubscriber' },
);

const PublicUpdateSchema = Type.Object({
  id: Type.String(),
  status: Type.String(),
  body: Type.String(),
  postedAt: Timestamp,
});
const PublicIncidentSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  impact: Type.String(),
  status: PublicStatusSchema,
  components: Type.Array(
    Type.Object({ componentId: Type.String(), name: Type.String(), status: ComponentStatusSchema }),
  ),
  publishedAt: Timestamp,
  resolvedAt: NullableTimestamp,
  updates: Type.Array(PublicUpdateSchema, { description: 'Newest first' }),
});

export const PublicStatusViewSchema = Type.Object(
  {
    page: Type.Object({ title: Type.String(), description: Type.String(), url: Type.String() }),
    generatedAt: Timestamp,
    overall: Type.Object({ status: ComponentStatusSchema, text: Type.String() }),
    components: Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        description: Type.String(),
        status: ComponentStatusSchema,
        displayOrder: Type.Integer(),
      }),
    ),
    incidents: Type.Array(PublicIncidentSchema, { description: 'Open incidents' }),
    maintenance: Type.Array(
      Type.Object({
        id: Type.String(),
        title: Type.String(),
        description: Type.String(),
        status: MaintenanceStatusSchema,
        components: Type.Array(Type.Object({ componentId: Type.String(), name: Type.String() })),
        startsAt: Timestamp,
        endsAt: Timestamp,
        updates: Type.Array(PublicUpdateSchema),
      }),
      { description: 'Upcoming and in progress' },
    ),
    history: Type.Object({
      days: Type.Array(
        Type.Object({ date: Type.String(), status: ComponentStatusSchema, incidentIds: Type.Array(Type.String()) }),
        { description: 'The last 90 UTC days, oldest first: the worst impact of the incidents open that day' },
      ),
      incidents: Type.Array(PublicIncidentSchema, { description: 'Resolved in the last 90 days, newest first' }),
      summary: Type.String({
        description:
          'The sentence under the bar, from the same days: "No incidents in the last 90 days." only when no day had one',
      }),
    }),
  },
  { $id: 'PublicStatus' },
);

export const presentComponent = (c: Component) => ({
  ...c,
  createdAt: toIso(c.createdAt),
  updatedAt: toIso(c.updatedAt),
});
export const presentTemplate = (t: Template) => t;
export const presentUpdate = (u: PublicUpdate) => ({
  id: u.id,
  status: u.status,
  body: u.body,
  templateId: u.templateId,
  postedByLabel: u.postedByLabel,
  postedAt: toIso(u.postedAt),
});
export const presentPublication = (p: { publication: PublicIncident; updates: PublicUpdate[] }) => ({
  publication: {
    ...p.publication,
    publishedAt: toIso(p.publication.publishedAt),
    resolvedAt: toIsoOrNull(p.publication.resolvedAt),
    updatedAt: toIso(p.publication.updatedAt),
  },
  updates: p.updates.map(presentUpdate),
});
export const presentMaintenance = (m: Maintenance) => ({
  ...m,
  startsAt: toIso(m.startsAt),
  endsAt: toIso(m.endsAt),
  cancelledAt: toIsoOrNull(m.cancelledAt),
  createdAt: toIso(m.createdAt),
  updatedAt: toIso(m.updatedAt),
});
export const presentSubscriber = (s: Subscriber) => ({
  id: s.id,
  kind: s.kind,
  address: s.address,
  confirmedAt: toIsoOrNull(s.confirmedAt),
  unsubscribedAt: toIsoOrNull(s.unsubscribedAt),
  createdAt: toIso(s.createdAt),
  componentIds: fromJsonText<string[]>(s.componentIds, []),
});

const presentPublicUpdate = (u: { id: string; status: string; body: string; postedAt: number }) => ({
  ...u,
  postedAt: toIso(u.postedAt),
});
const presentPublicIncident = (i: PublicStatusView['incidents'][number]) => ({
  ...i,
  publishedAt: toIso(i.publishedAt),
  resolvedAt: toIsoOrNull(i.resolvedAt),
  updates: i.updates.map(presentPublicUpdate),
});
export const presentPublicStatus = (v: PublicStatusView) => ({
  ...v,
  generatedAt: toIso(v.generatedAt),
  incidents: v.incidents.map(presentPublicIncident),
  maintenance: v.maintenance.map((m) => ({
    ...m,
    startsAt: toIso(m.startsAt),
    endsAt: toIso(m.endsAt),
    updates: m.updates.map(presentPublicUpdate),
  })),
  history: {
    days: v.history.days,
    incidents: v.history.incidents.map(presentPublicIncident),
    summary: v.history.summary,
  },
});
