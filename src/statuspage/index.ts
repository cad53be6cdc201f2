import type { Db } from '../db/index.js';
import type { IncidentService } from '../incidents/index.js';
import type { JobHandler } from '../jobs/index.js';
import type { Clock } from '../shared/clock.js';
import {
  JOB_FAN_OUT,
  JOB_NOTIFY,
  JOB_SEND_CONFIRMATION,
  confirmationHandler,
  fanOutHandler,
  notifyHandler,
  type StatusJobDeps,
} from './jobs.js';
import { StatusPagePublishing } from './publish.js';
import type { ResolveAll } from '../shared/net.js';
import { SubscriberService } from './subscribers.js';
import { buildPublicView, type PublicStatusView } from './view.js';

export { StatusPagePublishing, type PublishInput, type UpdateInput } from './publish.js';
export type { ComponentInput, MaintenanceInput, TemplateInput } from './service.js';
export { SubscriberService, type SubscribeInput, type SubscribeResult } from './subscribers.js';
export type { PublicStatusView, PublicIncidentView, PublicMaintenanceView } from './view.js';
export type { Component, Maintenance, PublicIncident, PublicUpdate, Settings, Subscriber } from './repo.js';
export { renderStatusPage, renderMessagePage, escapeHtml } from './html.js';
export { JOB_FAN_OUT, JOB_NOTIFY, JOB_SEND_CONFIRMATION } from './jobs.js';
export * from './model.js';

export interface StatusPageServices {
  /** Settings, components, templates, maintenance, incident publications and public updates. */
  page: StatusPagePublishing;
  subscribers: SubscriberService;
  publicView(): Promise<PublicStatusView>;
  jobs: { kind: string; handler: JobHandler<never> }[];
}

export function createStatusPageServices(deps: {
  db: Db;
  clock: Clock;
  publicUrl: () => string;
  incidents: Pick<IncidentService, 'get' | 'canCommunicate'>;
  resolveService: (idOrSlug: string) => Promise<string>;
  channels: StatusJobDeps['channels'];
  onEnqueued?: () => void;
  /** The resolver for public webhook hosts (node:dns unless a test passes one). */
  resolve?: ResolveAll | undefined;
}): StatusPageServices {
  const { db, clock, publicUrl, onEnqueued } = deps;
  const common = { db, clock, publicUrl, ...(onEnqueued ? { onEnqueued } : {}) };
  const jobDeps: StatusJobDeps = { channels: deps.channels, publicUrl };
  return {
    page: new StatusPagePublishing({ ...common, resolveService: deps.resolveService }, deps.incidents),
    subscribers: new SubscriberService({ ...common, ...(deps.resolve ? { lookup: deps.resolve } : {}) }),
    publicView: () => buildPublicView({ db, clock, publicUrl }),
    jobs: [
      { kind: JOB_FAN_OUT, handler: fanOutHandler() },
      { kind: JOB_NOTIFY, handler: notifyHandler(jobDeps) },
      { kind: JOB_SEND_CONFIRMATION, handler: confirmationHandler(jobDeps) },
    ],
  };
}
