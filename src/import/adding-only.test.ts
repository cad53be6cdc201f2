/**
 * An import adds and updates, never takes away (src/import/service.ts addingOnly): an administrator in Muster stays
 * one when the source has them as a plain user, and a team keeps the members the source does not name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyState, type CurrentObject } from '../config-as-code/model.js';
import { addingOnly } from './service.js';

test('keeps an administrator and the members the source does not name; changes nothing else', () => {
  const current = emptyState<CurrentObject>();
  current.users.set('ben@example.com', {
    kind: 'users',
    key: 'ben@example.com',
    id: 'usr_1',
    value: { email: 'ben@example.com', name: 'Ben', admin: true },
  });
  current.users.set('chen@example.com', {
    kind: 'users',
    key: 'chen@example.com',
    id: 'usr_2',
    value: { email: 'chen@example.com', name: 'Chen', admin: false },
  });
  current.teams.set('payments', {
    kind: 'teams',
    key: 'payments',
    id: 'team_1',
    value: {
      slug: 'payments',
      name: 'Payments',
      members: [
        { user: 'ben@example.com', role: 'owner' },
        { user: 'zoe@example.com', role: 'responder' },
      ],
    },
  });
  const doc = addingOnly(
    {
      users: [
        { email: 'Ben@example.com', name: 'Ben Okafor' },
        { email: 'chen@example.com', name: 'Chen Wei' },
        { email: 'new@example.com', name: 'New', admin: true },
      ],
      teams: [
        { slug: 'payments', name: 'Payments', members: [{ user: 'ben@example.com', role: 'responder' }] },
        { slug: 'fresh', name: 'Fresh', members: [{ user: 'new@example.com', role: 'owner' }] },
      ],
    },
    current,
  );
  assert.deepEqual(doc.users, [
    { email: 'Ben@example.com', name: 'Ben Okafor', admin: true },
    { email: 'chen@example.com', name: 'Chen Wei' },
    { email: 'new@example.com', name: 'New', admin: true },
  ]);
  assert.deepEqual(doc.teams, [
    {
      slug: 'payments',
      name: 'Payments',
      // The source's role for Ben wins; Zoe, whom the source does not name, stays.
      members: [
        { user: 'ben@example.com', role: 'responder' },
        { user: 'zoe@example.com', role: 'responder' },
      ],
    },
    { slug: 'fresh', name: 'Fresh', members: [{ user: 'new@example.com', role: 'owner' }] },
  ]);
});
