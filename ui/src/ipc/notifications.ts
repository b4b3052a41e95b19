// Desktop notifications, through Tauri's notification plugin (src-tauri registers it; the
// capability allows exactly these three calls). The plugin's script stands in for the webview's
// `window.Notification`, so showing one is an IPC call to the shell, which hands it to the OS
// in the background: with no notification service running (a bare Linux session, CI under Xvfb)
// the OS call fails there, quietly, and nothing reaches this side.
import { isPermissionGranted, requestPermission, sendNotification } from '@tauri-apps/plugin-notification';

/**
 * Whether the app may show desktop notifications, asking the user when they never decided.
 * A failure to find out (no plugin, a capability missing) counts as a no: notices are a comfort,
 * never worth an error.
 */
export async function mayShowNotifications(): Promise<boolean> {
  try {
    if (await isPermissionGranted()) return true;
    return (await requestPermission()) === 'granted';
  } catch {
    return false;
  }
}

/** Shows a desktop notification; call only after `mayShowNotifications` said yes. Never throws. */
export function showNotification(title: string, body: string): void {
  try {
    sendNotification({ title, body });
  } catch {
    // Nothing to tell the admin: the notice was the message.
  }
}
