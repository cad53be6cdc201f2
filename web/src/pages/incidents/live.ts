/**
 * The live timeline of one incident room. Loads GET …/timeline, then listens to GET …/stream (server-sent events,
 * `event: timeline`, `id: <seq>`) from the last sequence it has; the browser resumes with Last-Event-ID after a
 * drop. Opening the stream records the viewer as having joined the room. Without EventSource, or if the stream
 * cannot be opened, it polls …/timeline?after=<seq> instead. `onEvent` runs (coalesced) after new entries, so the
 * page can reload the incident (checklist, roles, warnings) when the timeline says something changed.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../lib/api.js';
import { incidentPath, type TimelineEvent } from './types.js';

export type RoomLive = 'connecting' | 'stream' | 'poll';
const POLL_MS = 5_000;
const COALESCE_MS = 250;

export function useIncidentTimeline(id: string, onEvent: () => void) {
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [state, setState] = useState<RoomLive>('connecting');
  const lastSeq = useRef(0);
  const callback = useRef(onEvent);
  useEffect(() => {
    callback.current = onEvent;
  }, [onEvent]);

  const add = useCallback((incoming: TimelineEvent[]) => {
    const fresh = incoming.filter((e) => e.seq > lastSeq.current).sort((a, b) => a.seq - b.seq);
    if (!fresh.length) return false;
    lastSeq.current = fresh[fresh.length - 1]!.seq;
    setEvents((prev) => [...prev, ...fresh]);
    return true;
  }, []);

  useEffect(() => {
    let stopped = false;
    let source: EventSource | null = null;
    let poll: ReturnType<typeof setInterval> | null = null;
    let pending: ReturnType<typeof setTimeout> | null = null;
    lastSeq.current = 0;
    setEvents([]);
    const base = incidentPath(id);
    const changed = () => {
      if (stopped || pending) return;
      pending = setTimeout(() => {
        pending = null;
        if (!stopped) callback.current();
      }, COALESCE_MS);
    };
    const catchUp = async () => {
      const r = await api.get<{ events: TimelineEvent[] }>(`${base}/timeline?after=${lastSeq.current}`);
      if (!stopped && add(r.events)) changed();
    };
    const startPolling = () => {
      setState('poll');
      // Polling does not open the stream, so record the join explicitly.
      api.post(`${base}/join`).catch(() => undefined);
      poll = setInterval(() => void catchUp().catch(setError), POLL_MS);
    };
    const open = () => {
      if (typeof EventSource === 'undefined') return startPolling();
      const es = new EventSource(`${base}/stream?after=${lastSeq.current}`, { withCredentials: true });
      source = es;
      let opened = false;
      es.onopen = () => {
        opened = true;
        setState('stream');
      };
      es.addEventListener('timeline', (m: MessageEvent<string>) => {
        try {
          if (add([JSON.parse(m.data) as TimelineEvent])) changed();
        } catch {
          /* a malformed frame: the next catch-up fills the gap */
        }
      });
      es.onerror = () => {
        if (es.readyState !== EventSource.CLOSED || stopped) return;
        es.close();
        source = null;
        if (!opened) startPolling();
        else setTimeout(() => !stopped && open(), 3000);
      };
    };
    api
      .get<{ events: TimelineEvent[] }>(`${base}/timeline`)
      .then((r) => {
        if (stopped) return;
        add(r.events);
        setError(null);
        open();
      })
      .catch((e: unknown) => !stopped && setError(e));
    return () => {
      stopped = true;
      source?.close();
      if (poll) clearInterval(poll);
      if (pending) clearTimeout(pending);
    };
  }, [id, add]);

  return { events, error, state };
}
