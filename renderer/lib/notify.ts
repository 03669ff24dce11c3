/**
 * Ask for permission to notify when a long transfer finishes. Called from a click (browsers only prompt on
 * a user gesture), once: a refusal is respected.
 */
export function askNotificationPermission(): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return;
  void Notification.requestPermission().catch(() => {});
}
