/**
 * Offers `text` as a file download through a Blob URL: the webview saves it where the admin
 * chooses, so Bailiwick needs no filesystem permission for exports.
 */
export function offerDownload(text: string, fileName: string, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoke after the click has been handled, not before the download started.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
