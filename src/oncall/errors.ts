import { AppError, forbidden } from '../shared/errors.js';
import type { SwapRefusal } from './swaps.js';

export const scheduleNotFound = (id: string): AppError =>
  new AppError('schedule_not_found', `No schedule with id ${id}.`, { status: 404 });
export const layerNotFound = (scheduleId: string, id: string): AppError =>
  new AppError('layer_not_found', `No layer ${id} in schedule ${scheduleId}.`, { status: 404 });
export const overrideNotFound = (scheduleId: string, id: string): AppError =>
  new AppError('override_not_found', `No override ${id} in schedule ${scheduleId}.`, { status: 404 });
export const swapNotFound = (id: string): AppError =>
  new AppError('swap_request_not_found', `No shift swap request with id ${id}.`, { status: 404 });
export const feedTokenInvalid = (): AppError =>
  new AppError('feed_token_invalid', 'This calendar feed link is not valid: it was rotated, revoked, or is wrong.', {
    status: 404,
  });
export const unknownUsers = (field: string, ids: string[]): AppError =>
  new AppError('validation_failed', `${field}: no active user with id ${ids.join(', ')}`, {
    status: 400,
    details: { problems: [{ field, message: `no active user with id ${ids.join(', ')}` }] },
  });

const SWAP_MESSAGES: Record<SwapRefusal, string> = {
  swap_not_pending: 'This swap request was already decided.',
  swap_not_yours: 'Only the person asked may accept or decline, and only the requester may cancel.',
  swap_expired: 'This swap request has ended; it can no longer be accepted.',
  swap_same_user: 'Ask someone other than yourself.',
  swap_not_on_call: 'You can ask for a swap only of time when you are on call in this schedule.',
  swap_in_past: 'That time has passed.',
};

export function swapRefused(code: SwapRefusal): AppError {
  if (code === 'swap_not_yours') return forbidden(SWAP_MESSAGES[code], code);
  const status = code === 'swap_not_pending' || code === 'swap_expired' ? 409 : 400;
  return new AppError(code, SWAP_MESSAGES[code], { status });
}
