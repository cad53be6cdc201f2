import { AppError, tooManyRequests } from '../shared/errors.js';

export const invalidCredentials = (): AppError =>
  new AppError('invalid_credentials', 'The email or password is not right.', { status: 401 });
export const userNotFound = (id: string): AppError =>
  new AppError('user_not_found', `No user with id ${id}.`, { status: 404 });
export const teamNotFound = (id: string): AppError =>
  new AppError('team_not_found', `No team with id or slug ${id}.`, { status: 404 });
export const tokenNotFound = (id: string): AppError =>
  new AppError('token_not_found', `No API token with id ${id}.`, { status: 404 });
export const emailTaken = (email: string): AppError =>
  new AppError('email_taken', `A user with email ${email} already exists.`, {
    status: 409,
    details: { field: 'email' },
  });
export const slugTaken = (slug: string): AppError =>
  new AppError('team_slug_taken', `A team with slug ${slug} already exists.`, {
    status: 409,
    details: { field: 'slug' },
  });
export const lastOwner = (teamId: string): AppError =>
  new AppError('team_last_owner', `Team ${teamId} must keep at least one owner.`, { status: 409 });
export const linkInvalid = (): AppError =>
  new AppError('sign_in_link_invalid', 'This sign-in link is not valid: it was used already, or it expired.', {
    status: 400,
  });
export const signInThrottled = (retryAfterMs: number): AppError =>
  tooManyRequests(
    'Too many failed sign-in attempts. Wait before trying again.',
    retryAfterMs / 1000,
    'sign_in_throttled',
  );
export const userDisabled = (): AppError => new AppError('user_disabled', 'This account is disabled.', { status: 403 });
