/**
 * Muster's service worker (served at /sw.js, scope /): it makes the web app installable and shows Web Push pages
 * (src/notify/webpush.ts, docs/notifications.md). It caches nothing: every screen reads the API live.
 *
 * A push message's payload (PushPayload, decrypted by the browser) becomes a notification: the page's title and
 * text, tagged with the alert so a re-page replaces the one shown, kept on screen for high urgency. Its actions
 * Acknowledge and Resolve POST the signed one-click links the payload carries (/a/<token>, no session needed); if
 * that fails (offline, the link used or expired) the link's own page opens, which says why and offers the button.
 * A plain click opens the alert page.
 */
'use strict';

const ICON = '/icons/icon-192.png';
const BADGE = '/icons/badge-96.png';

self.addEventListener('install', () => {
  void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

/** The payload as JSON, or null when it is missing or not Muster's. */
function readPayload(data) {
  if (!data) return null;
  try {
    const p = data.json();
    return p && p.v === 1 && typeof p.title === 'string' ? p : null;
  } catch {
    return null;
  }
}

self.addEventListener('push', (event) => {
  const p = readPayload(event.data);
  if (!p) {
    // A push must show something (userVisibleOnly): say where to look.
    event.waitUntil(
      self.registration.showNotification('Muster', {
        body: 'Open Muster to see what is new.',
        icon: ICON,
        badge: BADGE,
      }),
    );
    return;
  }
  // A responder page carries only Acknowledge (joining the incident); an alert's page both.
  const actions = p.actions
    ? [
        { action: 'acknowledge', title: 'Acknowledge' },
        ...(p.actions.resolve ? [{ action: 'resolve', title: 'Resolve' }] : []),
      ]
    : [];
  event.waitUntil(
    self.registration.showNotification(p.title, {
      body: p.body,
      tag: p.tag,
      // A re-page with the same tag replaces the notification and alerts again.
      renotify: true,
      requireInteraction: p.requireInteraction === true,
      icon: ICON,
      badge: BADGE,
      timestamp: Date.now(),
      actions,
      data: { url: p.url, links: p.actions, tag: p.tag, title: p.title },
    }),
  );
});

/** Focus an open Muster window on `url`, or open one. */
async function openPage(url) {
  const target = new URL(url || '/', self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const mine = windows.find((c) => new URL(c.url).origin === self.location.origin);
  if (mine) {
    await mine.focus();
    try {
      await mine.navigate(target);
    } catch {
      // A window this worker does not control cannot be navigated: it is focused at least.
    }
    return;
  }
  await self.clients.openWindow(target);
}

/** Acknowledge or resolve through the signed link; on failure open the link's page, which says why. */
async function act(action, data) {
  const url = data.links[action];
  try {
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'confirm=1',
      credentials: 'omit',
      redirect: 'manual',
    });
    if (r.ok) {
      await self.registration.showNotification(
        `${action === 'acknowledge' ? 'Acknowledged' : 'Resolved'}: ${data.title}`,
        {
          tag: data.tag,
          silent: true,
          icon: ICON,
          badge: BADGE,
          data: { url: data.url },
        },
      );
      return;
    }
  } catch {
    // Offline, or the server did not answer: the link's page lets the person try again.
  }
  await openPage(url);
}

self.addEventListener('notificationclick', (event) => {
  const n = event.notification;
  const data = n.data || {};
  n.close();
  if ((event.action === 'acknowledge' || event.action === 'resolve') && data.links) {
    event.waitUntil(act(event.action, data));
    return;
  }
  event.waitUntil(openPage(data.url));
});
