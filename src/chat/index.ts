export { ChatService, type ChatConfig, type ChatDeps, type InboundResult } from './service.js';
export {
  JOB_OPEN_CHANNEL,
  JOB_INVITE,
  JOB_POST,
  openChannelHandler,
  inviteHandler,
  postHandler,
  type ChatJobDeps,
} from './jobs.js';
export { SlackApi } from './slack-api.js';
export { channelName, renderEvent, checkSlackSignature, MAX_SIGNATURE_AGE_MS } from './model.js';
