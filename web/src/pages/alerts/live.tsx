/**
 * Live alert updates. Pages call `useAlertChanges(reload)`: the callback runs whenever alerts may have changed.
 * 'stream' listens to GET /api/alerts/stream (server-sent events, `event: alert`); 'poll' asks every 10 s. Switching is
 * the one line below. A stream that cannot be opened (a server without it, a proxy that drops SSE) falls back to
 * polling, so the list stays fresh either way.
 */
import { useEffect, useRef, useState } from 'react';

export const LIVE_MODE: 'poll' | 'stream' = 'stream';
export const STREAM_URL = '/api/alerts/stream';
export const POLL_MS = 10_000;
/** Many changes at once (an outage) cause one reload, not one per alert. */
const COALESCE_MS = 400;
/** Event names the stream may use besides the default `message`. */
const STREAM_EVENTS = [
  'alert',
  'alert.created',
  'alert.updated',
  'alert.triggered',
  'alert.acknowledged',
  'alert.resolved',
  'change',
];

export type LiveState = 'stream' | 'poll' | 'off';

export function useAlertChanges(onChange: () => void, enabled = true): LiveState {
  const callback = useRef(onChange);
  const [state, setState] = useState<LiveState>('off');
  useEffect(() => {
    callback.current = onChange;
  }, [onChange]);

  useEffect(() => {
    if (!enabled) {
      setState('off');
      return;
    }
    let poll: ReturnType<typeof setInterval> | null = null;
    let pending: ReturnType<typeof setTimeout> | null = null;
    let source: EventSource | null = null;
    let stopped = false;

    const fire = () => {
      if (stopped || pending) return;
      pending = setTimeout(() => {
        pending = null;
        if (!stopped) callback.current();
      }, COALESCE_MS);
    };
    const startPolling = () => {
      setState('poll');
      poll = setInterval(() => {
        if (!document.hidden) callback.current();
      }, POLL_MS);
    };
    const onVisible = () => {
      if (!document.hidden) fire();
    };
    document.addEventListener('visibilitychange', onVisible);

    if (LIVE_MODE === 'stream' && typeof EventSource !== 'undefined') {
      let opened = false;
      const es = new EventSource(STREAM_URL, { withCredentials: true });
      source = es;
      es.onopen = () => {
        setState('stream');
        // After a reconnect, changes may have been missed while the stream was down.
        if (opened) fire();
        opened = true;
      };
      es.onmessage = fire;
      for (const name of STREAM_EVENTS) es.addEventListener(name, fire);
      es.onerror = () => {
        if (es.readyState === EventSource.CLOSED && !stopped) {
          es.close();
          source = null;
          startPolling();
        }
      };
    } else startPolling();

    return () => {
      stopped = true;
      document.removeEventListener('visibilitychange', onVisible);
      if (poll) clearInterval(poll);
      if (pending) clearTimeout(pending);
      source?.close();
    };
  }, [enabled]);
  return state;
}

export function LiveIndicator({ state }: { state: LiveState }) {
  if (state === 'off') return null;
  return (
    <span className={`live live-${state}`} role="status">
      <span className="live-dot" aria-hidden="true" />
      {state === 'stream' ? 'Live' : `Refreshes every ${POLL_MS / 1000} s`}
    </span>
  );
}
