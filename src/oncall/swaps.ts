/**
 * Shift swap requests (Grafana OnCall's ShiftSwapRequest, simplified): a participant asks another user to cover part
 * of their own on-call time. The other user accepts (the request becomes an override for them) or declines; the
 * requester may cancel while it is pending. A request can be accepted until its end (covering what is left of it).
 */
import type { Interval, Shift } from './model.js';

export type SwapStatus = 'pending' | 'accepted' | 'declined' | 'cancelled';
export type SwapAction = 'accept' | 'decline' | 'cancel';

export interface SwapRequest extends Interval {
  id: string;
  scheduleId: string;
  requesterId: string;
  targetUserId: string;
  status: SwapStatus;
}

export type SwapRefusal =
  'swap_not_pending' | 'swap_not_yours' | 'swap_expired' | 'swap_same_user' | 'swap_not_on_call' | 'swap_in_past';

/** Whether `requesterId` may ask for [start, end): it must lie in the future and wholly in their final shifts. */
export function checkSwapAsk(
  final: Shift[],
  req: { requesterId: string; targetUserId: string; start: number; end: number },
  now: number,
): SwapRefusal | null {
  if (req.requesterId === req.targetUserId) return 'swap_same_user';
  if (req.end <= now) return 'swap_in_past';
  let at = req.start;
  for (const s of final) {
    if (s.end <= at || s.start > at) continue;
    if (s.userId !== req.requesterId) return 'swap_not_on_call';
    at = s.end;
    if (at >= req.end) return null;
  }
  return 'swap_not_on_call';
}

/** The status after `action` by `actorUserId`, or why it is refused. Admins may cancel or decline for others. */
export function decideSwap(
  swap: SwapRequest,
  action: SwapAction,
  actor: { userId: string | null; isAdmin: boolean },
  now: number,
): { status: SwapStatus } | { refused: SwapRefusal } {
  if (swap.status !== 'pending') return { refused: 'swap_not_pending' };
  switch (action) {
    case 'accept':
      if (actor.userId !== swap.targetUserId) return { refused: 'swap_not_yours' };
      if (swap.end <= now) return { refused: 'swap_expired' };
      return { status: 'accepted' };
    case 'decline':
      if (actor.userId !== swap.targetUserId && !actor.isAdmin) return { refused: 'swap_not_yours' };
      return { status: 'declined' };
    case 'cancel':
      if (actor.userId !== swap.requesterId && !actor.isAdmin) return { refused: 'swap_not_yours' };
      return { status: 'cancelled' };
  }
}
