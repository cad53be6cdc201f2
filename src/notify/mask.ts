/**
 * A contact method's address as shown beside a page to everyone who can read the alert: enough to tell which of a
 * person's methods was used (the kind, the domain, the last digits), never the whole address. Pure.
 */
export function maskAddress(kind: string, address: string): string {
  const a = address.trim();
  if (!a) return '';
  if (kind === 'email') {
    const at = a.lastIndexOf('@');
    if (at <= 0) return hideMost(a);
    return `${a[0]}•••@${a.slice(at + 1)}`;
  }
  if (kind === 'sms' || kind === 'voice') {
    const digits = a.replace(/[^0-9]/g, '');
    return digits.length <= 4 ? '••••' : `•••• ${digits.slice(-4)}`;
  }
  // Webhooks, push subscriptions and anything else with a URL: the host only (paths and queries carry secrets).
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(a)) {
    try {
      return `${new URL(a).host}/…`;
    } catch {
      return hideMost(a);
    }
  }
  return hideMost(a);
}

function hideMost(a: string): string {
  if (a.length <= 4) return '••••';
  return `${a.slice(0, 2)}•••${a.slice(-1)}`;
}
