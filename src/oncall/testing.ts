/** Test helpers for schedule maths: a tiny seeded generator (mulberry32) and layer factories. */
import type { LayerDef } from './layers.js';

export interface Rng {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
}

export function seededRandom(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  return { next, int, pick: (xs) => xs[int(0, xs.length - 1)]! };
}

export function buildLayer(overrides: Partial<LayerDef> = {}): LayerDef {
  return {
    id: 'lay_1',
    name: 'Primary',
    participants: ['usr_a', 'usr_b', 'usr_c', 'usr_d', 'usr_e', 'usr_f'],
    turn: { unit: 'days', count: 1 },
    startDate: '2026-01-05',
    handoffTime: '09:00',
    restrictions: [],
    endsAt: null,
    ...overrides,
  };
}
