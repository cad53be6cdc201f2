/** Property tests over random schedules (seeded, so a failure names a reproducible seed) and the sustainability model. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  computeSchedule,
  hoursByUser,
  MIN_ROTATION_SIZE,
  nextOnCall,
  onCallAt,
  type Interval,
  type LayerDef,
  type OverrideDef,
  type ScheduleDef,
  type Shift,
} from './model.js';
import { checkSwapAsk, decideSwap, type SwapRequest } from './swaps.js';
import { buildLayer, seededRandom, type Rng } from './testing.js';
import { DAYS_OF_WEEK } from '../shared/tz.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const ZONES = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
const USERS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8'];
const BASE = Date.parse('2026-01-01T00:00:00Z');

function randomLayer(rng: Rng, i: number): LayerDef {
  const unit = rng.pick(['hours', 'days', 'weeks', 'duration'] as const);
  const hm = `${String(rng.int(0, 23)).padStart(2, '0')}:${rng.pick(['00', '15', '30', '45'])}`;
  const restrictions = Array.from({ length: rng.pick([0, 0, 1, 2]) }, () => ({
    days: DAYS_OF_WEEK.filter(() => rng.next() < 0.6),
    start: `${String(rng.int(0, 23)).padStart(2, '0')}:${rng.pick(['00', '30'])}`,
    end: `${String(rng.int(0, 24)).padStart(2, '0')}:00`,
  }));
  return buildLayer({
    id: `lay_${i}`,
    name: `L${i}`,
    participants: Array.from({ length: rng.int(1, 7) }, () => rng.pick(USERS)),
    turn: unit === 'duration' ? { unit, seconds: rng.int(1, 200) * 1800 } : { unit, count: rng.int(1, 3) },
    startDate: `2026-0${rng.int(1, 3)}-${String(rng.int(10, 28))}`,
    handoffTime: hm,
    restrictions,
    endsAt: rng.next() < 0.2 ? BASE + rng.int(60, 200) * DAY : null,
  });
}

function randomCase(seed: number) {
  const rng = seededRandom(seed);
  const schedule: ScheduleDef = {
    timezone: rng.pick(ZONES),
    layers: Array.from({ length: rng.int(1, 4) }, (_, i) => randomLayer(rng, i)),
  };
  const from = BASE + rng.int(0, 300) * DAY + rng.int(0, 23) * HOUR;
  const to = from + rng.int(1, 40) * DAY;
  const overrides: OverrideDef[] = Array.from({ length: rng.int(0, 6) }, (_, i) => {
    const start = from - DAY + rng.int(0, 40 * 24) * HOUR;
    return {
      id: `ovr_${i}`,
      userId: rng.pick(USERS),
      start,
      end: start + rng.int(1, 72) * HOUR,
      createdAt: rng.int(0, 1e6),
    };
  });
  return { rng, schedule, overrides, from, to };
}

const at = <T extends Interval>(shifts: T[], t: number): T[] => shifts.filter((s) => s.start <= t && s.end > t);

describe('final schedule properties (300 seeded random schedules)', () => {
  const seeds = Array.from({ length: 300 }, (_, i) => 1000 + i);

  it('is ordered, never overlaps and stays inside the range', () => {
    for (const seed of seeds) {
      const { schedule, overrides, from, to } = randomCase(seed);
      const { final } = computeSchedule(schedule, overrides, from, to);
      for (const [i, s] of final.entries()) {
        assert.ok(s.end > s.start, `seed ${seed}: empty shift`);
        assert.ok(s.start >= from && s.end <= to, `seed ${seed}: outside range`);
        if (i > 0) assert.ok(final[i - 1]!.end <= s.start, `seed ${seed}: overlap at ${i}`);
      }
    }
  });

  it('has exactly one person wherever some layer has someone, the top layer or the latest override', () => {
    for (const seed of seeds) {
      const { rng, schedule, overrides, from, to } = randomCase(seed);
      const r = computeSchedule(schedule, overrides, from, to);
      for (let n = 0; n < 60; n++) {
        const t = from + Math.floor(rng.next() * (to - from));
        const got = at(r.final, t);
        const ovr = overrides.filter((o) => o.start <= t && o.end > t).sort((a, b) => b.createdAt - a.createdAt)[0];
        const top = [...r.layers]
          .reverse()
          .map((l) => at(l.shifts, t)[0])
          .find(Boolean);
        if (!ovr && !top) {
          assert.equal(got.length, 0, `seed ${seed}: someone on call where nobody is`);
          assert.equal(r.gaps.filter((g) => g.start <= t && g.end > t).length, 1, `seed ${seed}: gap not reported`);
          continue;
        }
        assert.equal(got.length, 1, `seed ${seed}: ${got.length} people at ${new Date(t).toISOString()}`);
        if (ovr)
          assert.deepEqual([got[0]!.source, got[0]!.userId], [ovr.id, ovr.userId], `seed ${seed}: override lost`);
        else assert.equal(got[0]!.userId, top!.userId, `seed ${seed}: not the top layer`);
      }
    }
  });

  it('covers the range exactly: shifts plus gaps add up to it', () => {
    for (const seed of seeds) {
      const { schedule, overrides, from, to } = randomCase(seed);
      const r = computeSchedule(schedule, overrides, from, to);
      const total = [...r.final, ...r.gaps].reduce((n, s) => n + s.end - s.start, 0);
      assert.equal(total, to - from, `seed ${seed}`);
    }
  });

  it('every layer turn has one person and turns neither overlap nor leave holes inside a layer', () => {
    for (const seed of seeds.slice(0, 100)) {
      const { schedule, from, to } = randomCase(seed);
      for (const layer of schedule.layers) {
        const plain = { ...layer, restrictions: [], endsAt: null };
        const shifts = computeSchedule({ ...schedule, layers: [plain] }, [], from, to).layers[0]!.shifts;
        for (let i = 1; i < shifts.length; i++) assert.equal(shifts[i - 1]!.end, shifts[i]!.start, `seed ${seed}`);
        for (const s of shifts) assert.equal(s.userId, layer.participants[s.turn % layer.participants.length]);
      }
    }
  });
});

describe('queries', () => {
  const schedule: ScheduleDef = { timezone: 'Europe/London', layers: [buildLayer({ participants: ['a', 'b'] })] };

  it('answers who is on call at an instant with the whole shift, and who is next', () => {
    const now = Date.parse('2026-01-06T12:00:00Z');
    const s = onCallAt(schedule, [], now);
    assert.deepEqual(
      [s?.userId, s?.start, s?.end],
      ['b', Date.parse('2026-01-06T09:00:00Z'), Date.parse('2026-01-07T09:00:00Z')],
    );
    assert.equal(nextOnCall(schedule, [], now)?.userId, 'a');
    const ovr = { id: 'ovr_1', userId: 'z', start: now - HOUR, end: now + HOUR, createdAt: 1 };
    assert.equal(onCallAt(schedule, [ovr], now)?.userId, 'z');
    assert.equal(nextOnCall(schedule, [ovr], now)?.userId, 'b');
  });

  it('returns nobody before a layer starts and after it ends', () => {
    const ended = { ...schedule, layers: [buildLayer({ endsAt: Date.parse('2026-02-01T00:00:00Z') })] };
    assert.equal(onCallAt(ended, [], Date.parse('2026-01-01T00:00:00Z')), null);
    assert.equal(onCallAt(ended, [], Date.parse('2026-02-02T00:00:00Z')), null);
  });
});

describe('sustainability', () => {
  it(`warns when a rotation has fewer than ${MIN_ROTATION_SIZE} people, counting each person once`, () => {
    const small = buildLayer({ participants: ['a', 'b', 'c', 'a', 'b', 'c'] });
    const ok = buildLayer({ id: 'lay_2', participants: ['a', 'b', 'c', 'd', 'e', 'f'] });
    const r = computeSchedule({ timezone: 'UTC', layers: [small, ok] }, [], BASE + 10 * DAY, BASE + 11 * DAY);
    assert.deepEqual(
      r.warnings.map((w) => [w.code, 'layerId' in w ? w.layerId : null]),
      [['rotation_too_small', 'lay_1']],
    );
  });

  it('reports gaps as a warning and counts on-call hours per person in a range', () => {
    const layer = buildLayer({ participants: ['a', 'b'], restrictions: [{ days: [], start: '09:00', end: '17:00' }] });
    const r = computeSchedule(
      { timezone: 'UTC', layers: [layer] },
      [],
      Date.parse('2026-01-05T00:00:00Z'),
      Date.parse('2026-01-09T00:00:00Z'),
    );
    assert.deepEqual(hoursByUser(r.final), { a: 16, b: 16 });
    const gaps = r.warnings.find((w) => w.code === 'gaps');
    assert.ok(gaps && gaps.code === 'gaps' && gaps.hours === 64 && gaps.count === 5);
  });
});

describe('shift swaps', () => {
  const final: Shift[] = [
    { userId: 'a', start: 0, end: 10, source: 'l', sourceKind: 'layer' },
    { userId: 'b', start: 10, end: 20, source: 'l', sourceKind: 'layer' },
  ];
  const swap: SwapRequest = {
    id: 's',
    scheduleId: 'sch',
    requesterId: 'a',
    targetUserId: 'c',
    start: 2,
    end: 8,
    status: 'pending',
  };

  it('lets a participant ask only for time when they are on call, in the future, from someone else', () => {
    assert.equal(checkSwapAsk(final, { requesterId: 'a', targetUserId: 'c', start: 2, end: 8 }, 0), null);
    assert.equal(
      checkSwapAsk(final, { requesterId: 'a', targetUserId: 'c', start: 5, end: 15 }, 0),
      'swap_not_on_call',
    );
    assert.equal(checkSwapAsk(final, { requesterId: 'a', targetUserId: 'a', start: 2, end: 8 }, 0), 'swap_same_user');
    assert.equal(checkSwapAsk(final, { requesterId: 'a', targetUserId: 'c', start: 2, end: 8 }, 9), 'swap_in_past');
  });

  it('is accepted or declined by the target, cancelled by the requester, and decided once', () => {
    const c = { userId: 'c', isAdmin: false };
    const a = { userId: 'a', isAdmin: false };
    assert.deepEqual(decideSwap(swap, 'accept', c, 5), { status: 'accepted' });
    assert.deepEqual(decideSwap(swap, 'accept', a, 5), { refused: 'swap_not_yours' });
    assert.deepEqual(decideSwap(swap, 'accept', c, 8), { refused: 'swap_expired' });
    assert.deepEqual(decideSwap(swap, 'decline', c, 5), { status: 'declined' });
    assert.deepEqual(decideSwap(swap, 'cancel', a, 5), { status: 'cancelled' });
    assert.deepEqual(decideSwap(swap, 'cancel', c, 5), { refused: 'swap_not_yours' });
    assert.deepEqual(decideSwap({ ...swap, status: 'declined' }, 'accept', c, 5), { refused: 'swap_not_pending' });
  });
});
