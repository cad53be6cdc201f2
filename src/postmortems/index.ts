export { PostmortemService, isOverdue, type PostmortemDeps, type ListFilter, type Patch } from './service.js';
export { TemplateAdmin, presentTemplate, type TemplateInput } from './templates.js';
export {
  CREATE_JOB as POSTMORTEM_CREATE_JOB,
  REMIND_JOB as POSTMORTEM_REMIND_JOB,
  createHandler as postmortemCreateHandler,
  remindHandler as postmortemRemindHandler,
  onIncidentResolved as postmortemOnIncidentResolved,
  type CreatePayload as PostmortemCreatePayload,
  type RemindPayload as PostmortemRemindPayload,
} from './jobs.js';
export { renderExport, humanDuration } from './export.js';
export { type TimelineItem, type Impact } from './prefill.js';
export * from './model.js';
