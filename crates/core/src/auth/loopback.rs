//! The loopback redirect listener (RFC 8252 §7.3).
//!
//! It binds `127.0.0.1` only (never `0.0.0.0`: the redirect carries the code, and nothing
//! off this machine may talk to the listener), on a port the OS picks. It accepts exactly one
//! request to `/callback`; anything else (a favicon, a preconnect, a stray scan) gets a 404
//! and the wait goes on. The request with the code is answered only after the sign-in has
//! been finished, so the page in the browser tells the truth about the outcome.
//!
//! This is a deliberately tiny HTTP/1.1 reader: one request line and headers, bounded in
//! size and time; no body, no keep-alive.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;
use url::Url;

use super::SignInFailure;

/// The path the provider redirects to; the client is registered with
/// `http://127.0.0.1/callback` and any port.
pub const CALLBACK_PATH: &str = "/callback";

/// A request head larger than this is not a browser following a redirect.
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// How long one connection may take to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long answering the browser may take; past it the page is dropped, the sign-in stands.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

pub struct LoopbackListener {
    listener: TcpListener,
    port: u16,
}

/// The one request to `/callback`, with its connection held open for the answer.
pub struct Callback {
    pub url: Url,
    stream: TcpStream,
}

impl LoopbackListener {
    pub async fn bind() -> Result<Self, SignInFailure> {
        let listener =
            TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.map_err(SignInFailure::Listener)?;
        let port = listener.local_addr().map_err(SignInFailure::Listener)?.port();
        Ok(Self { listener, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:{port}/callback`: an IP literal, not `localhost`, which could
    /// resolve to another interface or be hijacked (RFC 8252 §8.3).
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// Waits up to `timeout` for a GET of `/callback`. Stops listening when it returns.
    pub async fn wait_for_callback(self, timeout: Duration) -> Result<Callback, SignInFailure> {
        let deadline = Instant::now() + timeout;
        // Each connection is read in its own task, so that a connection that sends nothing
        // (a browser's speculative preconnect) cannot hold up the one carrying the code.
        let mut connections: JoinSet<Option<Callback>> = JoinSet::new();
        let base = Url::parse(&format!("http://127.0.0.1:{}", self.port))
            .map_err(|e| SignInFailure::Listener(std::io::Error::new(std::io::ErrorKind::InvalidInput, e)))?;
        loop {
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let base = base.clone();
                        connections.spawn(read_request(stream, base));
                    }
                    // Transient (e.g. out of file descriptors); the deadline bounds the retries.
                    Err(e) => {
                        tracing::warn!(error = %e, "accepting a connection on the loopback listener failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                Some(joined) = connections.join_next(), if !connections.is_empty() => {
                    if let Ok(Some(callback)) = joined {
                        return Ok(callback);
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(SignInFailure::TimedOut(timeout));
                }
            }
        }
    }
}

impl Callback {
    /// Answers the browser with a page saying what happened. Best effort: the browser may
    /// already be gone, and the sign-in's outcome does not depend on it.
    pub async fn answer(mut self, outcome: &Page<'_>) {
        let response = http_response(200, "OK", &outcome.html());
        match tokio::time::timeout(WRITE_TIMEOUT, self.stream.write_all(response.as_bytes())).await {
            Ok(Ok(())) => {
                let _ = self.stream.shutdown().await;
            }
            Ok(Err(e)) => tracing::debug!(error = %e, "the browser left before the answer"),
            Err(_) => tracing::debug!("the browser did not read the answer in time"),
        }
    }
}

/// Reads one request head; answers and returns `None` for anything but `GET /callback`.
async fn read_request(mut stream: TcpStream, base: Url) -> Option<Callback> {
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(head)) => head,
        Ok(None) => {
            reply(&mut stream, 400, "Bad Request", "This is not a request Bailiwick understands.").await;
            return None;
        }
        Err(_) => return None,
    };
    let mut parts = head.lines().next().unwrap_or_default().split(' ');
    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let url = if target.starts_with('/') { base.join(target).ok() } else { None };
    match url {
        Some(url) if url.path() == CALLBACK_PATH && method == "GET" => Some(Callback { url, stream }),
        Some(url) if url.path() == CALLBACK_PATH => {
            reply(&mut stream, 405, "Method Not Allowed", "Only the browser's redirect is expected here.").await;
            None
        }
        _ => {
            reply(&mut stream, 404, "Not Found", "Nothing here: Bailiwick waits for the sign-in redirect only.").await;
            None
        }
    }
}

/// The request line and headers, up to the blank line; `None` if too large, cut short or not text.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            buffer.truncate(end);
            return String::from_utf8(buffer).ok();
        }
        if buffer.len() > MAX_REQUEST_HEAD {
            return None;
        }
    }
}

async fn reply(stream: &mut TcpStream, status: u16, reason: &str, message: &str) {
    let page = Page { title: reason, message, signed_in: false };
    let response = http_response(status, reason, &page.html());
    let _ = tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(response.as_bytes())).await;
}

fn http_response(status: u16, reason: &str, body: &str) -> String {
    // no-store: the page follows a URL holding the code; nothing of it should be cached.
    // The CSP forbids every fetch, so the page cannot leak the URL anywhere (no Referer).
    format!(
        "HTTP/1.1 {status} {reason}\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         Referrer-Policy: no-referrer\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
}

/// What the browser window shows at the end.
pub struct Page<'a> {
    pub title: &'a str,
    pub message: &'a str,
    pub signed_in: bool,
}

impl Page<'_> {
    pub fn html(&self) -> String {
        let colour = if self.signed_in { "#1a7f37" } else { "#b42318" };
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bailiwick: {title}</title>\
             <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}}\
             h1{{color:{colour};font-size:1.5rem}}</style></head><body>\
             <h1>{title}</h1><p>{message}</p>\
             <p>You can close this window and return to Bailiwick.</p></body></html>",
            title = escape_html(self.title),
            message = escape_html(self.message),
        )
    }
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(port: u16, target: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connect to the listener");
        stream
            .write_all(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes())
            .await
            .expect("send request");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("read answer");
        answer
    }

    #[tokio::test]
    async fn wrong_path_gets_404_and_the_callback_is_still_accepted() {
        let listener = LoopbackListener::bind().await.expect("bind");
        let port = listener.port();
        assert!(listener.redirect_uri().starts_with("http://127.0.0.1:"), "IP literal, not localhost");
        let waiting = tokio::spawn(listener.wait_for_callback(Duration::from_secs(10)));

        let not_found = get(port, "/favicon.ico").await;
        assert!(not_found.starts_with("HTTP/1.1 404"), "got {not_found}");

        let browser = tokio::spawn(async move { get(port, "/callback?code=c&state=s").await });
        let callback = waiting.await.expect("task").expect("the callback arrives");
        assert_eq!(callback.url.query(), Some("code=c&state=s"));
        callback.answer(&Page { title: "Signed in", message: "as <ada>", signed_in: true }).await;
        let page = browser.await.expect("browser task");
        assert!(page.starts_with("HTTP/1.1 200"), "got {page}");
        assert!(page.contains("as &lt;ada&gt;"), "the message is escaped: {page}");
        assert!(page.contains("close this window"));
    }

    #[tokio::test]
    async fn silent_connection_does_not_block_the_callback() {
        let listener = LoopbackListener::bind().await.expect("bind");
        let port = listener.port();
        let waiting = tokio::spawn(listener.wait_for_callback(Duration::from_secs(5)));
        let _idle = TcpStream::connect(("127.0.0.1", port)).await.expect("preconnect");
        let browser = tokio::spawn(async move { get(port, "/callback?code=c&state=s").await });
        let callback = waiting.await.expect("task").expect("callback despite the idle connection");
        callback.answer(&Page { title: "t", message: "m", signed_in: true }).await;
        browser.await.expect("browser task");
    }

    #[tokio::test]
    async fn waiting_times_out() {
        let listener = LoopbackListener::bind().await.expect("bind");
        let err = listener.wait_for_callback(Duration::from_millis(200)).await.err().expect("no browser came");
        assert!(matches!(err, SignInFailure::TimedOut(_)), "got {err:?}");
    }
}
