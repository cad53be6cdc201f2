/** Building the chat integration from config (used by the composition root, src/server.ts). */
import type { Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import type { IncidentChatHook, IncidentService } from '../incidents/index.js';
import type { JobRunner } from '../jobs/index.js';
import type { ActionLinkService } from '../notify/index.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import {
  JOB_INVITE,
  JOB_OPEN_CHANNEL,
  JOB_POST,
  JOB_RESPOND,
  inviteHandler,
  openChannelHandler,
  postHandler,
  respondHandler,
} from './jobs.js';
import { ChatService } from './service.js';
import { SlackApi } from './slack-api.js';

export function createChat(deps: {
  config: Config;
  db: Db;
  clock: Clock;
  log: Logger;
  incidents: () => IncidentService;
  actionLinks: ActionLinkService;
}): { service: ChatService; incidentDeps: { chat?: IncidentChatHook } } {
  const slack = deps.config.slack;
  const service = new ChatService({
    db: deps.db,
    clock: deps.clock,
    log: deps.log.child({ component: 'chat' }),
    incidents: deps.incidents,
    actionLinks: deps.actionLinks,
    config: {
      incidentChannels: !!slack?.incidentChannels,
      interactivity: !!slack?.interactivity,
      signingSecret: slack?.signingSecret ?? null,
      responseHosts: slack ? ['hooks.slack.com', new URL(slack.apiUrl).host] : [],
    },
  });
  const hook = service.incidentHook();
  return { service, incidentDeps: hook ? { chat: hook } : {} };
}

/** Job handlers for the Slack calls; registered only for the Slack features that are switched on. */
export function registerChatJobs(runner: JobRunner, config: Config): void {
  const slack = config.slack;
  if (!slack) return;
  const api = new SlackApi({ botToken: slack.botToken, apiUrl: slack.apiUrl, timeoutMs: config.notify.timeoutMs });
  if (slack.interactivity) runner.register(JOB_RESPOND, respondHandler({ api }));
  if (!slack.incidentChannels) return;
  const deps = { api, publicUrl: () => config.publicUrl };
  runner.register(JOB_OPEN_CHANNEL, openChannelHandler(deps));
  runner.register(JOB_INVITE, inviteHandler(deps));
  runner.register(JOB_POST, postHandler(deps));
}
