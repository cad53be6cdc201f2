export {
  ActionItemService,
  actionItemNotFound,
  scheduleReminders,
  DEFAULT_LIMIT,
  MAX_LIMIT,
  type ActionItem,
  type ActionItemDeps,
  type CreateInput as CreateActionItemInput,
  type UpdateInput as UpdateActionItemInput,
  type ListQuery as ActionItemListQuery,
} from './service.js';
export { TrackerService, createIssue, toAdf, GITHUB_API, type TrackerConnection, type Sealer } from './trackers.js';
export {
  DIGEST_JOB,
  REMIND_JOB,
  TRACKER_JOB,
  digestHandler,
  ensureDigestJob,
  remindHandler,
  trackerHandler,
} from './jobs.js';
export {
  PRIORITIES,
  KINDS,
  STATUSES,
  PROVIDERS,
  DUE_DAYS,
  applyStatusChange,
  encodeCursor,
  decodeCursor,
  isOverdue,
  nextDigestAt,
  parseDue,
} from './model.js';
export {
  IncidentTicketService,
  TICKET_CREATE_JOB,
  TICKET_REFRESH_JOB,
  TICKET_REFRESH_MS,
  offerReason,
  ticketCreateHandler,
  ticketRefreshHandler,
  type TicketView,
  type TicketOffer,
  type TicketChoice,
  type TicketDeps,
} from './tickets.js';
