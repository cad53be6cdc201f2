/**
 * Web Push in the browser (docs/notifications.md): registering the service worker (web/public/sw.js), and making this
 * device a contact method — permission, a push subscription with the server's VAPID key, saved as a `webpush`
 * contact method (the endpoint and its keys; the server sends to it, see src/notify/webpush.ts).
 */
import { api } from './api.js';

/** Register the service worker once the page has loaded; a browser without service workers simply has no push. */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  const register = () => void navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}

export type PushSupport =
  /** Push works here; `endpoint` is this device's current subscription, if any. */
  | { kind: 'ready'; endpoint: string | null; permission: NotificationPermission }
  /** An iPhone or iPad browser tab: push needs the app added to the Home Screen (iOS 16.4 or later). */
  | { kind: 'install-first' }
  | { kind: 'unsupported' };

const isIos = (): boolean =>
  /iPhone|iPad|iPod/.test(navigator.userAgent) ||
  (navigator.platform === 'MacIntel' && typeof navigator.maxTouchPoints === 'number' && navigator.maxTouchPoints > 1);

const isStandalone = (): boolean =>
  window.matchMedia?.('(display-mode: standalone)').matches === true ||
  (navigator as Navigator & { standalone?: boolean }).standalone === true;

export async function pushSupport(): Promise<PushSupport> {
  const hasApi = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  if (!hasApi) return isIos() && !isStandalone() ? { kind: 'install-first' } : { kind: 'unsupported' };
  const registration = await navigator.serviceWorker.getRegistration('/');
  const subscription = registration ? await registration.pushManager.getSubscription() : null;
  return { kind: 'ready', endpoint: subscription?.endpoint ?? null, permission: Notification.permission };
}

/** base64url (the server's VAPID key) to bytes, for `applicationServerKey`. */
function fromBase64Url(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const x = new Uint8Array(a);
  return x.every((v, i) => v === b[i]);
}

/** A name for this device's contact method, e.g. "Chrome on Android". */
export function deviceName(ua = navigator.userAgent): string {
  const os = /iPhone/.test(ua)
    ? 'iPhone'
    : /iPad/.test(ua)
      ? 'iPad'
      : /Android/.test(ua)
        ? 'Android'
        : /Mac OS X/.test(ua)
          ? 'Mac'
          : /Windows/.test(ua)
            ? 'Windows'
            : /Linux/.test(ua)
              ? 'Linux'
              : 'this device';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\/|FxiOS/.test(ua)
      ? 'Firefox'
      : /Chrome\/|CriOS/.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Browser';
  return `${browser} on ${os}`;
}

export class PushPermissionError extends Error {}

/**
 * Ask for permission (call it from a click: browsers allow the prompt only then), subscribe with the server's VAPID
 * key (a subscription made with another key is replaced), and save it as a contact method. Saving the same device
 * again renews its contact method rather than adding a second one.
 */
export async function enablePushOnThisDevice<T>(userId: string): Promise<T> {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    throw new PushPermissionError(
      permission === 'denied'
        ? 'Notifications are blocked for Muster in this browser. Allow them in the site settings, then try again.'
        : 'Muster needs your permission to show notifications. Try again and choose Allow.',
    );
  }
  await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  const registration = await navigator.serviceWorker.ready;
  const { publicKey } = await api.get<{ publicKey: string }>('/api/push/vapid-public-key');
  const key = fromBase64Url(publicKey);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  try {
    subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (e) {
    // The browser's push service refused or could not be reached (a private window, a browser without one).
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`This browser could not subscribe to push notifications (${why}). Use ntfy, SMS or email instead.`);
  }
  const json = subscription.toJSON();
  return api.post<T>(`/api/users/${encodeURIComponent(userId)}/contact-methods`, {
    kind: 'webpush',
    label: deviceName(),
    address: json.endpoint,
    keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
  });
}

/** Stop this device's push subscription (when its contact method is removed here). */
export async function unsubscribeThisDevice(endpoint: string): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  const registration = await navigator.serviceWorker.getRegistration('/');
  const subscription = registration ? await registration.pushManager.getSubscription() : null;
  if (subscription?.endpoint === endpoint) await subscription.unsubscribe();
}
