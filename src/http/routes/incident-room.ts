/**
 * The incident room over HTTP: the timeline, what responders post (notes, status updates, tasks), joining, and the
 * live stream (server-sent events). The stream sends every timeline entry after the last one it sent, nudged by
 * LiveTimeline (same process after commit; every process through PostgreSQL LISTEN/NOTIFY), with a slow poll as a
 * safety net for a lost LISTEN connection.
 */
import type { ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf } from '../auth.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { TaskSchema, TimelineEventSchema, presentEvent, presentTask } from './incident-present.js';
import { openEventStream } from '../sse.js';

/** A `double_booked` warning names the person and the other open incidents they are engaged in. */
export const WarningSchema = Type.Object({
  code: Type.String(),
  message: Type.String(),
  roles: Type.Array(Type.String()),
  userId: Type.Optional(Type.String()),
  incidents: Type.Optional(
    Type.Array(
      Type.Object({
        id: Type.String(),
        title: Type.String(),
        severity: Type.String(),
        roles: Type.Array(Type.String()),
      }),
    ),
  ),
});

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const HEARTBEAT_MS = 15_000;
const SAFETY_POLL_MS = 5_000;

export function registerIncidentRoomRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['incidents'];
  const inc = services.incidents;
  const streams = new Set<ServerResponse>();
  /** One shared reader per incident with open streams in this process. */
  const rooms = new Map<string, Room>();

  // Open streams would keep the server from closing; the LISTEN connection must go back before the pool closes.
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });
  app.addHook('onClose', async () => inc.live.stop());

  r.get(
    '/api/incidents/:id/timeline',
    {
      schema: {
        tags,
        summary: 'The timeline, oldest first',
        params: IdParams,
        querystring: Type.Object({
          after: Type.Optional(Type.Integer({ minimum: 0, description: 'Only entries after this sequence number' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1000 })),
          kind: Type.Optional(
            Type.String({
              maxLength: 500,
              pattern: '^[a-z_]+(,[a-z_]+)*$',
              description: 'Only these kinds, comma-separated (e.g. hypothesis,ruled_out,finding,decision)',
            }),
          ),
        }),
        response: withErrors({ 200: Type.Object({ events: Type.Array(TimelineEventSchema) }) }),
      },
    },
    async (req) => ({
      events: (
        await inc.timeline(req.params.id, {
          afterSeq: req.query.after ?? 0,
          limit: req.query.limit ?? 1000,
          kinds: req.query.kind?.split(','),
        })
      ).map(presentEvent),
    }),
  );

  r.post(
    '/api/incidents/:id/notes',
    {
      schema: {
        tags,
        summary: 'Post a note to the timeline',
        params: IdParams,
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 10000 }) }),
        response: withErrors({ 201: TimelineEventSchema }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(presentEvent(await inc.addNote(actorOf(req), req.params.id, req.body.text))),
  );

  r.post(
    '/api/incidents/:id/updates',
    {
      schema: {
        tags,
        summary: 'Post a status update for stakeholders (internal; resets the update reminder)',
        params: IdParams,
        body: Type.Object({ message: Type.String({ minLength: 1, maxLength: 10000 }) }),
        response: withErrors({ 201: TimelineEventSchema }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(presentEvent(await inc.postStatusUpdate(actorOf(req), req.params.id, req.body.message))),
  );

  r.post(
    '/api/incidents/:id/tasks',
    {
      schema: {
        tags,
        summary: 'Add a task',
        params: IdParams,
        body: Type.Object({
          title: Type.String({ minLength: 1, maxLength: 500 }),
          assigneeUserId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
        }),
        response: withErrors({ 201: TaskSchema }),
      },
    },
    async (req, reply) => reply.status(201).send(presentTask(await inc.addTask(actorOf(req), req.params.id, req.body))),
  );

  r.patch(
    '/api/incidents/:id/tasks/:taskId',
    {
      schema: {
        tags,
        summary: 'Change a task: title, assignee, done',
        params: Type.Object({ id: Type.String({ maxLength: 100 }), taskId: Type.String({ maxLength: 100 }) }),
        body: Type.Object({
          title: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
          assigneeUserId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
          isDone: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 200: TaskSchema }),
      },
    },
    async (req) => presentTask(await inc.updateTask(actorOf(req), req.params.id, req.params.taskId, req.body)),
  );

  r.post(
    '/api/incidents/:id/join',
    {
      schema: {
        tags,
        summary:
          'Join the incident room (recorded; the first join ticks "open the incident channel"); warns double_booked ' +
          'when the caller is already engaged in another open incident',
        params: IdParams,
        response: withErrors({
          200: Type.Object({ isFirstJoin: Type.Boolean(), warnings: Type.Array(WarningSchema) }),
        }),
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const isFirstJoin = await inc.join(actor, req.params.id, 'join');
      const warnings = actor.userId ? await inc.doubleBooked(req.params.id, [actor.userId]) : [];
      return { isFirstJoin, warnings };
    },
  );

  r.get(
    '/api/incidents/:id/stream',
    {
      schema: {
        tags,
        summary: 'The live room: new timeline entries as server-sent events (event: timeline, id: sequence)',
        params: IdParams,
        querystring: Type.Object({
          after: Type.Optional(Type.Integer({ minimum: 0, description: 'Replay entries after this sequence' })),
        }),
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const start = await inc.get(id); // 404 as JSON before the stream starts
      const header = req.headers['last-event-id'];
      const resumeAt = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : req.query.after;
      await inc.live.ensureListening();
      await inc.join(actorOf(req), id, 'stream');
      reply.hijack();
      openStream(req, reply.raw, {
        services,
        streams,
        rooms,
        incidentId: id,
        afterSeq: resumeAt ?? start.incident.lastEventSeq,
      });
    },
  );
}

interface RoomViewer {
  res: ServerResponse;
  seq: number;
}
interface Room {
  viewers: Set<RoomViewer>;
  flushing: Promise<void> | null;
  isPending: boolean;
  unsubscribe: () => void;
}
function flushRoom(inc: Services['incidents'], id: string, room: Room, log: FastifyRequest['log']): void {
  if (room.flushing) {
    room.isPending = true;
    return;
  }
  const drain = async (): Promise<void> => {
    do {
      room.isPending = false;
      if (!room.viewers.size) return;
      const from = Math.min(...[...room.viewers].map((v) => v.seq));
      const events = await inc.timeline(id, { afterSeq: from, limit: 500 });
      for (const e of events) {
        const frame = `id: ${e.seq}\nevent: timeline\ndata: ${JSON.stringify(presentEvent(e))}\n\n`;
        for (const v of room.viewers) {
          if (e.seq > v.seq) {
            v.res.write(frame);
            v.seq = e.seq;
          }
        }
      }
    } while (room.isPending);
  };
  room.flushing = drain()
    .catch((err: unknown) => log.warn({ err, incidentId: id }, 'incident stream read failed'))
    .finally(() => {
      room.flushing = null;
      if (room.isPending) flushRoom(inc, id, room, log);
    });
}

function openStream(
  req: FastifyRequest,
  res: ServerResponse,
  o: {
    services: Services;
    streams: Set<ServerResponse>;
    rooms: Map<string, Room>;
    incidentId: string;
    afterSeq: number;
  },
): void {
  const inc = o.services.incidents;
  const id = o.incidentId;
  const rooms = o.rooms;
  openEventStream(req, res, 3000);
  let room = rooms.get(id);
  if (!room) {
    const r: Room = { viewers: new Set(), flushing: null, isPending: false, unsubscribe: () => undefined };
    r.unsubscribe = inc.live.subscribe(id, () => flushRoom(inc, id, r, req.log));
    rooms.set(id, r);
    room = r;
  }
  const viewer: RoomViewer = { res, seq: o.afterSeq };
  room.viewers.add(viewer);
  const theRoom = room;
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  const poll = setInterval(() => {
    flushRoom(inc, id, theRoom, req.log);
    inc.live.ensureListening().catch((err: unknown) => req.log.warn({ err }, 'incident rooms cannot LISTEN yet'));
  }, SAFETY_POLL_MS);
  o.streams.add(res);
  const close = () => {
    theRoom.viewers.delete(viewer);
    if (!theRoom.viewers.size) {
      theRoom.unsubscribe();
      rooms.delete(id);
    }
    clearInterval(heartbeat);
    clearInterval(poll);
    o.streams.delete(res);
  };
  // The viewer may have gone while the route awaited (the incident, LISTEN, the join): 'close' has fired already and
  // would never fire again, leaving both timers running and the server unable to stop.
  if (res.destroyed || req.raw.destroyed) {
    close();
    return;
  }
  res.on('close', close);
  flushRoom(inc, id, theRoom, req.log);
}
