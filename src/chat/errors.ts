import { AppError } from '../shared/errors.js';

/** A Slack Web API failure. Transient ones (429, 5xx, rate limits) retry with backoff; others need a person. */
export const slackCallFailed = (method: string, error: string, isPermanent: boolean, retryAfterMs?: number): AppError =>
  new AppError('slack_call_failed', `Slack ${method} failed: ${error}`, {
    status: 502,
    isPermanent,
    details: { method, error },
    retryAfterMs: isPermanent ? undefined : retryAfterMs,
  });

export const slackChannelNotReady = (incidentId: string): AppError =>
  new AppError('slack_channel_not_ready', `The Slack channel for incident ${incidentId} is not open yet.`, {
    status: 503,
    isPermanent: false,
  });

export const slackSignatureInvalid = (reason: string): AppError =>
  new AppError('slack_signature_invalid', `The Slack request signature is ${reason}.`, { status: 401 });

export const slackNotConfigured = (): AppError =>
  new AppError('slack_not_configured', 'Slack requests are not accepted: set MUSTER_SLACK_SIGNING_SECRET.', {
    status: 404,
  });

export const slackUserNotLinked = (slackUserId: string): AppError =>
  new AppError(
    'slack_user_not_linked',
    `Slack user ${slackUserId} is not linked to this page's recipient: add the Slack member id as a contact method.`,
    { status: 403 },
  );
