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

/** A swap request's notification: asked (to the person asked), answered (to the requester), withdrawn (to the person asked). */
export type SwapNotice = 'asked' | 'accepted' | 'declined' | 'cancelled';

export interface SwapNoticeFacts {
  notice: SwapNotice;
  swap: Pick<SwapRequest, 'id' | 'start' | 'end'> & { note: string };
  scheduleName: string;
  /** The schedule's zone: times read as its page shows them. */
  timezone: string;
  requesterName: string;
  targetName: string;
  /** Who answered or withdrew, when an administrator did it for someone else. */
  actorLabel?: string | undefined;
  /** The schedule's page, e.g. https://muster.example/oncall/schedules/sch_… */
  pageUrl: string;
}

function localRange(start: number, end: number, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return `${f.format(start)} – ${f.format(end)} (${timeZone})`;
}

/**
 * The text of a swap notification. Links go to the schedule's page with the request picked out (`?swap=`); the
 * accept and decline links ask there, with one button press, never on opening the link.
 */
export function swapNoticeMessage(f: SwapNoticeFacts): { subject: string; body: string; url: string } {
  const page = `${f.pageUrl}?swap=${encodeURIComponent(f.swap.id)}`;
  const when = localRange(f.swap.start, f.swap.end, f.timezone);
  const note = f.swap.note ? [`Their note: “${f.swap.note}”`] : [];
  const by = f.actorLabel ? ` (${f.actorLabel} answered for them)` : '';
  switch (f.notice) {
    case 'asked':
      return {
        subject: `Shift swap: ${f.requesterName} asks you to cover ${f.scheduleName}`,
        body: [
          `${f.requesterName} asks you to cover their on-call time in ${f.scheduleName}: ${when}.`,
          ...note,
          '',
          `Accept: ${page}&answer=accept`,
          `Decline: ${page}&answer=decline`,
          '',
          'Accepting makes it an override for you. The link opens the schedule; nothing changes until you press the button there.',
        ].join('\n'),
        url: page,
      };
    case 'accepted':
    case 'declined':
      return {
        subject: `Shift swap ${f.notice}: ${f.targetName} for ${f.scheduleName}`,
        body:
          f.notice === 'accepted'
            ? `${f.targetName} accepted your swap request${by}: they are on call for ${f.scheduleName} ${when} instead of you.`
            : `${f.targetName} declined your swap request${by} for ${f.scheduleName} ${when}. You are still on call then.`,
        url: page,
      };
    case 'cancelled':
      return {
        subject: `Shift swap withdrawn: ${f.scheduleName}`,
        body: `${f.requesterName} withdrew the request for you to cover ${f.scheduleName} ${when}${by}. Nothing changes for you.`,
        url: page,
      };
  }
}
