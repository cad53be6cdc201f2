/**
 * /automation/runs/:id: one run of an action. Its status, exit or HTTP status, duration, who asked and who approved,
 * its parameters, and its output live: GET /api/runs/:id, then the server-sent events of GET /api/runs/:id/stream
 * (`event: output` chunks with a `seq`, `event: status`; the stream ends after the final status, and the browser
 * resumes with Last-Event-ID). Without EventSource, or if the stream cannot open, it polls the run instead. Approve,
 * reject and cancel sit at the top; the page works on a 390 px phone (responders approve from bed).
 */
import './automation.css';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ErrorBanner, useSubmit } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { PageProps } from '../types.js';
import { DecisionButtons } from './lists.js';
import { RunStatusBadge, When } from './parts.js';
import { actionPage, FINAL_STATUSES, formatDuration, type Run, type RunChunk } from './types.js';

const POLL_MS = 2000;

/** The run and its output chunks, kept current from the stream (or by polling). */
function useLiveRun(id: string) {
  const base = `/api/runs/${encodeURIComponent(id)}`;
  const res = useApi<Run>(base);
  const [chunks, setChunks] = useState<RunChunk[]>([]);
  const [live, setLive] = useState<'connecting' | 'stream' | 'poll' | 'done'>('connecting');
  const lastSeq = useRef(-1);
  const { reload } = res;

  const add = useCallback((incoming: RunChunk[]) => {
    const fresh = incoming.filter((c) => c.seq > lastSeq.current).sort((a, b) => a.seq - b.seq);
    if (!fresh.length) return;
    lastSeq.current = fresh[fresh.length - 1]!.seq;
    setChunks((prev) => [...prev, ...fresh]);
  }, []);

  // Chunks that came with the run itself (a finished run, or a reload).
  useEffect(() => {
    if (res.data?.chunks) add(res.data.chunks);
  }, [res.data, add]);

  const status = res.data?.status ?? null;
  const final = status !== null && FINAL_STATUSES.includes(status);
  const loaded = res.data !== null;

  useEffect(() => {
    if (!loaded) return;
    if (final) {
      setLive('done');
      return;
    }
    let stopped = false;
    let source: EventSource | null = null;
    let poll: ReturnType<typeof setInterval> | null = null;
    const startPolling = () => {
      setLive('poll');
      poll = setInterval(() => !stopped && reload(), POLL_MS);
    };
    if (typeof EventSource === 'undefined') {
      startPolling();
    } else {
      const es = new EventSource(`${base}/stream`, { withCredentials: true });
      source = es;
      let opened = false;
      es.onopen = () => {
        opened = true;
        setLive('stream');
      };
      es.addEventListener('output', (m: MessageEvent<string>) => {
        try {
          const c = JSON.parse(m.data) as RunChunk;
          if (typeof c.seq !== 'number' && m.lastEventId) c.seq = Number(m.lastEventId);
          add([c]);
        } catch {
          /* a malformed frame: the reload after the final status fills the gap */
        }
      });
      es.addEventListener('status', () => {
        if (!stopped) reload();
      });
      es.onerror = () => {
        if (stopped) return;
        if (es.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
        es.close();
        source = null;
        if (!opened) startPolling();
        else reload(); // the server ended the stream: read the final run
      };
    }
    return () => {
      stopped = true;
      source?.close();
      if (poll) clearInterval(poll);
    };
  }, [base, loaded, final, add, reload]);

  return { res, chunks, live };
}

export function RunPage({ params }: PageProps) {
  const id = params.id ?? '';
  const me = useUser();
  const { res, chunks, live } = useLiveRun(id);
  const cancel = useSubmit(async () => {
    await api.post(`/api/runs/${encodeURIComponent(id)}/cancel`, {});
    res.reload();
  });

  return (
    <Loadable
      resource={res}
      what="the run"
      errorHeader={<PageHeader title="Run" subtitle={<Link to="/automation?tab=runs">All runs</Link>} />}
    >
      {(run) => {
        const final = FINAL_STATUSES.includes(run.status);
        const cancellable = run.status === 'awaiting_approval' || run.status === 'queued' || run.status === 'running';
        return (
          <div className="auto-run" data-run-status={run.status}>
            <PageHeader
              title={run.actionName}
              subtitle={
                <>
                  <Link to="/automation?tab=runs">Runs</Link> · <Link to={actionPage(run.actionId)}>the action</Link>
                </>
              }
            />
            <div className="auto-run-status">
              <RunStatusBadge status={run.status} />
              {run.dryRun && <Badge tone="info">Dry run</Badge>}
              {run.icFlagged && (
                <Badge tone="warn">
                  <span title="The Incident Commander asked for or approved this run: the IC should not debug.">
                    IC flagged
                  </span>
                </Badge>
              )}
              {!final && (
                <span className="muted small" data-testid="run-live">
                  {live === 'stream' ? 'Live' : live === 'poll' ? 'Refreshing every 2 s' : 'Connecting…'}
                </span>
              )}
            </div>
            {run.status === 'awaiting_approval' && (
              <div className="banner banner-warn auto-approve-banner">
                <div>
                  <strong>Waiting for a second person to approve.</strong>{' '}
                  <span className="small">Asked by {run.requestedBy?.label ?? 'automation'}.</span>
                </div>
                <DecisionButtons run={run} onDone={res.reload} />
              </div>
            )}
            {run.error && (
              <div className="banner banner-error" role="alert">
                <strong>{run.error}</strong>
              </div>
            )}
            {cancellable && (
              <div className="auto-toolbar">
                <button
                  type="button"
                  className="btn btn-small btn-ghost-danger"
                  disabled={cancel.busy}
                  onClick={() => void cancel.run()}
                >
                  {cancel.busy ? 'Cancelling…' : 'Cancel the run'}
                </button>
                <ErrorBanner error={cancel.error} />
              </div>
            )}
            <Card title="Output">
              <Output chunks={chunks} fallback={run.output ?? ''} final={final} />
              {run.outputTruncated && (
                <p className="muted small">The output was cut at 64 KB; the rest was not kept.</p>
              )}
            </Card>
            <div className="grid-2 align-start">
              <Card title="Run">
                <dl className="facts auto-facts">
                  <dt>Result</dt>
                  <dd data-testid="run-result">
                    {run.httpStatus != null
                      ? `HTTP ${run.httpStatus}`
                      : run.exitCode != null
                        ? `Exit status ${run.exitCode}`
                        : final
                          ? '—'
                          : 'Not finished'}
                  </dd>
                  <dt>Duration</dt>
                  <dd>{formatDuration(run.durationMs)}</dd>
                  <dt>Asked by</dt>
                  <dd>
                    {run.requestedBy?.label ?? '—'}{' '}
                    <span className="muted small">
                      {run.trigger === 'rule' ? '(a rule)' : run.trigger === 'automatic' ? '(automatic)' : ''}
                    </span>
                  </dd>
                  <dt>Approved by</dt>
                  <dd data-testid="run-approver">
                    {run.approvedBy ? (
                      <>
                        {run.approvedBy.label} {run.decidedAt && <When iso={run.decidedAt} timeZone={me.timezone} />}
                      </>
                    ) : run.status === 'rejected' ? (
                      <span>Rejected{run.decisionNote ? `: ${run.decisionNote}` : ''}</span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </dd>
                  {run.approvedBy && run.decisionNote && (
                    <>
                      <dt>Note</dt>
                      <dd>{run.decisionNote}</dd>
                    </>
                  )}
                  <dt>Asked</dt>
                  <dd>{formatTime(run.createdAt, me.timezone)}</dd>
                  <dt>Started</dt>
                  <dd>{formatTime(run.startedAt, me.timezone)}</dd>
                  <dt>Finished</dt>
                  <dd>{formatTime(run.finishedAt, me.timezone)}</dd>
                  {run.incidentId && (
                    <>
                      <dt>Incident</dt>
                      <dd>
                        <Link to={`/incidents/${encodeURIComponent(run.incidentId)}`}>Open the incident</Link>
                      </dd>
                    </>
                  )}
                  {run.alertId && (
                    <>
                      <dt>Alert</dt>
                      <dd>
                        <Link to={`/alerts/${encodeURIComponent(run.alertId)}`}>Open the alert</Link>
                      </dd>
                    </>
                  )}
                </dl>
              </Card>
              <Card title="Parameters">
                {Object.keys(run.params ?? {}).length === 0 ? (
                  <p className="muted">No parameters.</p>
                ) : (
                  <dl className="auto-params">
                    {Object.entries(run.params).map(([k, v]) => (
                      <div key={k}>
                        <dt>{k}</dt>
                        <dd>{v}</dd>
                      </div>
                    ))}
                  </dl>
                )}
              </Card>
            </div>
          </div>
        );
      }}
    </Loadable>
  );
}

/**
 * The output, monospace; stderr lines marked. It follows the end while the reader is at the bottom, and stays put
 * when they scroll up to read.
 */
function Output({ chunks, fallback, final }: { chunks: RunChunk[]; fallback: string; final: boolean }) {
  const box = useRef<HTMLPreElement>(null);
  const atEnd = useRef(true);
  useLayoutEffect(() => {
    const el = box.current;
    if (el && atEnd.current) el.scrollTop = el.scrollHeight;
  }, [chunks.length, fallback]);
  const onScroll = () => {
    const el = box.current;
    if (el) atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };
  const empty = chunks.length === 0 && !fallback;
  return (
    <pre
      ref={box}
      className="auto-output"
      data-testid="run-output"
      onScroll={onScroll}
      tabIndex={0}
      aria-label="Output"
      aria-live="polite"
    >
      {empty ? (
        <span className="auto-output-empty">{final ? 'No output.' : 'No output yet.'}</span>
      ) : chunks.length ? (
        chunks.map((c) => (
          <span
            key={c.seq}
            className={c.stream === 'stderr' ? 'auto-stderr' : c.stream === 'system' ? 'auto-system' : undefined}
            data-stream={c.stream}
            title={c.stream === 'stderr' ? 'stderr' : undefined}
          >
            {c.chunk}
          </span>
        ))
      ) : (
        fallback
      )}
    </pre>
  );
}
