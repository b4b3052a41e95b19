//! The SCIM client: list requests with index paging (RFC 7644 §3.4.2.4), retrying answers
//! that say "later" (429, 5xx) with backoff.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use bailiwick_scim::{AttributeName, Group, ListResponse, ScimErrorBody, User};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use serde::de::DeserializeOwned;
use url::Url;

use super::listed_json::ListedJson;
use super::listing::{Decoded, Keep, ListQuery, Shared};
use crate::error::Error;
use crate::secret::AccessToken;

/// What a server says it can do (`/ServiceProviderConfig`, RFC 7643 §5), as far as sync cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerFeatures {
    /// `filter.supported`: the server evaluates `filter` (else it may ignore it and send all).
    pub filter: bool,
    /// RFC 9865 §4: the server pages by cursor (`pagination.cursor`) and either does not page by
    /// index (`pagination.index: false`) or prefers cursors (`defaultPaginationMethod`).
    pub prefers_cursor_paging: bool,
}

impl ServerFeatures {
    /// Reads a ServiceProviderConfig; what it does not say is not supported.
    fn of(config: &serde_json::Value) -> Self {
        let pagination = &config["pagination"];
        let cursor = pagination["cursor"].as_bool() == Some(true);
        let no_index = pagination["index"].as_bool() == Some(false);
        let default_cursor =
            pagination["defaultPaginationMethod"].as_str().is_some_and(|m| m.eq_ignore_ascii_case("cursor"));
        ServerFeatures {
            filter: config["filter"]["supported"].as_bool().unwrap_or(false),
            prefers_cursor_paging: cursor && (no_index || default_cursor),
        }
    }
}

/// A user as an id-only listing returns it (`attributes=id,<bu attribute>`): enough to tell
/// which cached users still exist inside the scopes, at a fraction of a full page's size.
#[derive(Debug, Clone, PartialEq)]
pub struct UserStub {
    pub id: Option<String>,
    /// The other attributes the server sent (the BU attribute, and what it adds anyway), but
    /// `schemas` and `meta`, which servers add to every resource and which hold no BU.
    pub rest: serde_json::Map<String, serde_json::Value>,
}

// By hand rather than `#[serde(flatten)]`, which buffers every attribute before sorting them
// out: a deletion check lists every user in the scopes, and decoding (then freeing) what it
// never reads was most of its time.
impl<'de> serde::Deserialize<'de> for UserStub {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StubVisitor;
        impl<'de> serde::de::Visitor<'de> for StubVisitor {
            type Value = UserStub;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a SCIM User (a JSON object)")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<UserStub, A::Error> {
                let mut stub = UserStub { id: None, rest: serde_json::Map::new() };
                while let Some(name) = map.next_key::<AttributeName<'de>>()? {
                    if name.is("id") {
                        stub.id = match map.next_value::<serde_json::Value>()? {
                            serde_json::Value::Null => None,
                            serde_json::Value::String(id) => Some(id),
                            other => {
                                return Err(serde::de::Error::custom(format!(
                                    "a user's id must be a string, not {other}"
                                )));
                            }
                        };
                    } else if name.is("schemas") || name.is("meta") {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    } else {
                        stub.rest.insert(name.into_owned(), map.next_value()?);
                    }
                }
                Ok(stub)
            }
        }
        deserializer.deserialize_map(StubVisitor)
    }
}

/// Users per page of an id-only listing: its resources are a few dozen bytes, so larger pages
/// cost the server little more and save round trips. Servers cap `count` as they see fit.
const STUB_PAGE_SIZE: u32 = 2_000;

/// Asked for per page unless the profile says otherwise; servers may return fewer.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// Reported after each page while paging through a resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageFetched {
    /// `Users` or `Groups`.
    pub resource: &'static str,
    /// Distinct resources received so far.
    pub fetched: u64,
    /// The server's `totalResults` on the latest page; `None` when it sends none (RFC 9865 makes
    /// it optional when paging by cursor).
    pub total: Option<u64>,
}

/// How the client retries an answer that says "try later": 429 (rate limited) and 5xx.
///
/// Waits `initial_backoff`, then twice as long each time (at most `max_backoff`), unless the
/// server's `Retry-After` says how long. Gives up, with the last answer's status, after
/// `max_attempts` requests or when the next wait would bring the total wait over `max_total_wait`
/// (a `Retry-After` of an hour is not worth waiting for in front of an admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests in all, the first included (1: never retry).
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            max_total_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before request `attempt + 1` when the server did not say (attempt is 1-based).
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// A SCIM 2.0 service provider at `base` (e.g. `https://host/scim/v2`).
///
/// The `reqwest::Client` is handed in so the host decides timeouts and redirect policy once;
/// it should not follow redirects, or a bearer token could be replayed to another origin.
#[derive(Debug, Clone)]
pub struct ScimClient {
    pub(super) http: reqwest::Client,
    pub(super) base: Url,
    pub(super) page_size: u32,
    pub(super) pages_in_flight: usize,
    /// List by cursor (RFC 9865) rather than by index.
    pub(super) pages_by_cursor: bool,
    retry: RetryPolicy,
}

impl ScimClient {
    pub fn new(http: reqwest::Client, base: Url) -> Self {
        Self {
            http,
            base,
            page_size: DEFAULT_PAGE_SIZE,
            pages_in_flight: 1,
            pages_by_cursor: false,
            retry: RetryPolicy::default(),
        }
    }

    /// Listings page by cursor (RFC 9865) instead of by index: one page at a time, each
    /// naming the next (`pages_in_flight` does not apply).
    pub fn with_cursor_paging(mut self, by_cursor: bool) -> Self {
        self.pages_by_cursor = by_cursor;
        self
    }

    pub fn pages_by_cursor(&self) -> bool {
        self.pages_by_cursor
    }

    /// How many list pages may be requested at once (1: one after the other). More hide the
    /// round trip and the server's time per page; the order of the result does not change.
    pub fn with_pages_in_flight(mut self, pages: usize) -> Self {
        self.pages_in_flight = pages.max(1);
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The `count` asked for by `list_all_*` (at least 1).
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub async fn list_users_page(
        &self,
        token: &AccessToken,
        filter: Option<&str>,
        start_index: u64,
        count: u32,
    ) -> Result<ListResponse<User>, Error> {
        self.list_page("Users", token, filter, start_index, count).await
    }

    pub async fn list_groups_page(
        &self,
        token: &AccessToken,
        filter: Option<&str>,
        start_index: u64,
        count: u32,
    ) -> Result<ListResponse<Group>, Error> {
        self.list_page("Groups", token, filter, start_index, count).await
    }

    /// Every user matching `filter`, each once, in the server's order.
    pub async fn list_all_users(
        &self,
        token: &AccessToken,
        filter: Option<&str>,
        on_page: &mut (dyn FnMut(PageFetched) + Send),
    ) -> Result<Vec<User>, Error> {
        self.list_all("Users", token, filter, |u: &User| u.id.as_deref(), on_page, &AtomicBool::new(false)).await
    }

    /// Every user matching `filter`, each handed to `keep` as the JSON text the server sent
    /// for it (already accepted as JSON) as soon as its page arrives (on the thread that reads
    /// the page), and only what `keep` keeps kept; stops with `Error::Cancelled` before the next
    /// page once `cancelled` is set (a page in flight is finished, not torn down). A full sync
    /// reads from each user only what it caches, never building the whole `User`. A user listed
    /// again (the listing shifted between pages) is handed over again: the sync's writes keep
    /// the last listed.
    pub async fn list_all_users_kept<U: Send + 'static>(
        &self,
        token: &AccessToken,
        filter: Option<&str>,
        keep: Keep<ListedJson, U>,
        on_page: &mut (dyn FnMut(PageFetched) + Send),
        cancelled: &AtomicBool,
    ) -> Result<Vec<U>, Error> {
        let query = ListQuery { filter, attributes: None, page_size: self.page_size };
        self.list_all_with("Users", token, query, Arc::new(Shared(keep)), on_page, cancelled).await
    }

    /// Every user matching `filter`, each once, with only the `attributes` asked for (the
    /// server always adds `id`), each handed to `keep` as its page arrives (on the thread that
    /// reads the page) and only what `keep` keeps kept. Used to detect deletions without
    /// fetching whole users: the sync keeps each user's id alone, not a million stubs at once.
    pub async fn list_all_user_stubs_kept<U: Send + 'static>(
        &self,
        token: &AccessToken,
        filter: Option<&str>,
        attributes: &str,
        keep: Keep<UserStub, U>,
        on_page: &mut (dyn FnMut(PageFetched) + Send),
        cancelled: &AtomicBool,
    ) -> Result<Vec<U>, Error> {
        let query = ListQuery { filter, attributes: Some(attributes), page_size: self.page_size.max(STUB_PAGE_SIZE) };
        self.list_all_with("Users", token, query, Arc::new(Decoded(keep)), on_page, cancelled).await
    }

    /// How many users match `filter`: `totalResults` of a page of one id. Not `count=0`
    /// (RFC 7644 §3.4.2.4 allows it), which some servers read as "no limit".
    pub async fn count_users(&self, token: &AccessToken, filter: Option<&str>) -> Result<u64, Error> {
        self.count_with("Users", token, ListQuery { filter, attributes: Some("id"), page_size: 1 }).await
    }

    /// `/ServiceProviderConfig`. A server without one (404), or with one that does not parse,
    /// is taken to support nothing optional: sync then falls back to full scans.
    pub async fn server_features(&self, token: &AccessToken) -> Result<ServerFeatures, Error> {
        let url = self.endpoint("ServiceProviderConfig")?;
        match self.get_json::<serde_json::Value>(token, url).await {
            Ok(config) => Ok(ServerFeatures::of(&config)),
            Err(Error::Http { status: 404 | 501, .. }) | Err(Error::MalformedResponse { .. }) => {
                Ok(ServerFeatures::default())
            }
            Err(other) => Err(other),
        }
    }

    /// Every group matching `filter`, each once, with its `members`.
    pub async fn list_all_groups(
        &self,
        token: &AccessToken,
        filter: Option<&str>,
        on_page: &mut (dyn FnMut(PageFetched) + Send),
    ) -> Result<Vec<Group>, Error> {
        self.list_all_groups_cancellable(token, filter, on_page, &AtomicBool::new(false)).await
    }

    /// As `list_all_groups`, stopping before the next page once `cancelled` is set.
    pub async fn list_all_groups_cancellable(
        &self,
        token: &AccessToken,
        filter: Option<&str>,
        on_page: &mut (dyn FnMut(PageFetched) + Send),
        cancelled: &AtomicBool,
    ) -> Result<Vec<Group>, Error> {
        self.list_all("Groups", token, filter, |g: &Group| g.id.as_deref(), on_page, cancelled).await
    }

    /// Every grant the server lets the caller see (`/Grants`, server mode), as raw resources.
    pub async fn list_all_grants_cancellable(
        &self,
        token: &AccessToken,
        on_page: &mut (dyn FnMut(PageFetched) + Send),
        cancelled: &AtomicBool,
    ) -> Result<Vec<serde_json::Value>, Error> {
        self.list_all("Grants", token, None, |g: &serde_json::Value| g["id"].as_str(), on_page, cancelled).await
    }

    pub(super) fn endpoint(&self, resource: &str) -> Result<Url, Error> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| Error::Profile {
                origin: "scim.base_url".into(),
                reason: format!("{} cannot be a base URL", self.base),
            })?
            .pop_if_empty()
            .push(resource);
        Ok(url)
    }

    pub(super) async fn get_json<T: DeserializeOwned + Send + 'static>(
        &self,
        token: &AccessToken,
        url: Url,
    ) -> Result<T, Error> {
        self.get_decoded(token, url, |body| serde_json::from_slice::<T>(&body)).await
    }

    /// GETs `url` (retrying what the server says to retry) and decodes its JSON body with
    /// `decode` on Tokio's blocking pool.
    pub(super) async fn get_decoded<R: Send + 'static>(
        &self,
        token: &AccessToken,
        url: Url,
        decode: impl FnOnce(Bytes) -> serde_json::Result<R> + Send + 'static,
    ) -> Result<R, Error> {
        let body = self.get_body(token, &url).await?;
        // Put together and decoded on the blocking pool: a page of users takes milliseconds of
        // processor time, and meanwhile the pages still in flight are received.
        decoded(&url, tokio::task::spawn_blocking(move || decode(body.in_one_piece())).await)
    }

    /// GETs `url`, retrying what the server says to retry: the body of a successful JSON answer.
    pub(super) async fn get_body(&self, token: &AccessToken, url: &Url) -> Result<Body, Error> {
        let mut waited = Duration::ZERO;
        let mut attempt: u32 = 1;
        let (status, content_type, body) = loop {
            let response = self
                .http
                .get(url.clone())
                .bearer_auth(token.expose())
                .header(ACCEPT, bailiwick_scim::schema::MEDIA_TYPE)
                .send()
                .await
                .map_err(|e| transport_error(url, e))?;
            let status = response.status();
            let retry_after = retry_after(response.headers(), Utc::now());
            let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = Body::read(response).await.map_err(|e| transport_error(url, e))?;
            let later = status.as_u16() == 429 || status.is_server_error();
            if !later || attempt >= self.retry.max_attempts {
                break (status, content_type, body);
            }
            let wait = retry_after.unwrap_or_else(|| self.retry.backoff(attempt));
            if waited.saturating_add(wait) > self.retry.max_total_wait {
                tracing::warn!(%status, ?wait, "the directory asks to wait longer than Bailiwick will; giving up");
                break (status, content_type, body);
            }
            tracing::info!(%status, attempt, ?wait, "the directory says try later; retrying");
            tokio::time::sleep(wait).await;
            waited += wait;
            attempt += 1;
        };
        if !status.is_success() {
            let detail = error_detail(&body.in_one_piece());
            return Err(Error::Http { url: url.to_string(), status: status.as_u16(), detail });
        }
        if let Some(content_type) = content_type.as_deref().filter(|ct| !is_json_media_type(ct)) {
            return Err(Error::MalformedResponse {
                url: url.to_string(),
                reason: format!("expected application/scim+json, got {content_type}"),
            });
        }
        Ok(body)
    }
}

/// A response's body as the connection received it: chunks, not yet copied into one buffer.
/// Put together on the thread that decodes it, not on the one that drives the requests: for a
/// million users that copy, into memory the process had never used, took seconds of that
/// thread's time.
pub(super) struct Body(Vec<Bytes>);

impl Body {
    async fn read(mut response: reqwest::Response) -> reqwest::Result<Body> {
        let mut chunks = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            chunks.push(chunk);
        }
        Ok(Body(chunks))
    }

    /// The body in one buffer: its only chunk as it is, or its chunks copied into one.
    pub(super) fn in_one_piece(self) -> Bytes {
        let Body(mut chunks) = self;
        if chunks.len() == 1 {
            return chunks.pop().unwrap_or_default();
        }
        let mut whole = Vec::with_capacity(chunks.iter().map(Bytes::len).sum());
        for chunk in &chunks {
            whole.extend_from_slice(chunk);
        }
        Bytes::from(whole)
    }
}

/// What a decode on the blocking pool gave for the body of `url`: its error, or its stop (a
/// panic), as a malformed response.
pub(super) fn decoded<R>(url: &Url, joined: Result<serde_json::Result<R>, tokio::task::JoinError>) -> Result<R, Error> {
    let malformed = |reason: String| Error::MalformedResponse { url: url.to_string(), reason };
    joined.map_err(|e| malformed(format!("decoding stopped: {e}")))?.map_err(|e| malformed(e.to_string()))
}

/// RFC 9110 §10.2.3: `Retry-After` is a number of seconds or an HTTP date; a date in the past
/// means now. Anything else is ignored (the backoff applies).
fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) is RFC 2822 syntax with the zone "GMT".
    let date = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((date - now).to_std().unwrap_or(Duration::ZERO))
}

/// RFC 7644 §3.1: `application/scim+json`; servers may also answer `application/json`.
pub(super) fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case(bailiwick_scim::schema::MEDIA_TYPE) || essence.eq_ignore_ascii_case("application/json")
}

/// The SCIM error's `detail` (RFC 7644 §3.12); else a short plain-text body, which some
/// gateways send in front of the server; never an HTML page.
pub(super) fn error_detail(body: &[u8]) -> Option<String> {
    if let Ok(scim) = serde_json::from_slice::<ScimErrorBody>(body) {
        return scim.detail.filter(|d| !d.trim().is_empty());
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    (!text.is_empty() && text.len() <= 300 && !text.starts_with('<') && !text.starts_with('{')).then(|| text.to_owned())
}

/// A request that got no HTTP answer (refused, timed out, reset) means the directory cannot
/// be reached; a broken body after a good status is the server's fault.
pub(super) fn transport_error(url: &Url, error: reqwest::Error) -> Error {
    if error.is_decode() {
        return Error::MalformedResponse { url: url.to_string(), reason: error.without_url().to_string() };
    }
    Error::Offline {
        action: "reading the directory".into(),
        host: url.host_str().unwrap_or_default().to_owned(),
        reason: error.without_url().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use serde_json::json;

    use super::*;
    use crate::directory::Kept;

    struct Reply {
        status: u16,
        content_type: &'static str,
        body: String,
        /// Extra header lines, each ending in CRLF.
        headers: String,
    }

    #[test]
    fn a_body_is_put_in_one_piece_copying_only_when_it_came_in_several() {
        let chunk = Bytes::from_static(b"{\"Resources\": []}");
        let whole = Body(vec![chunk.clone()]).in_one_piece();
        assert_eq!(whole.as_ptr(), chunk.as_ptr(), "one chunk is the body as it is");
        let chunks = vec![Bytes::from_static(b"{\"Resour"), Bytes::from_static(b"ces\": "), Bytes::from_static(b"[]}")];
        assert_eq!(Body(chunks).in_one_piece(), chunk, "several are copied into one, in order");
        assert!(Body(Vec::new()).in_one_piece().is_empty(), "no chunk: an empty body");
    }

    fn scim(status: u16, body: serde_json::Value) -> Reply {
        Reply { status, content_type: "application/scim+json", body: body.to_string(), headers: String::new() }
    }

    /// A one-thread HTTP/1.1 server on 127.0.0.1 answering each request with `handler`
    /// (given the request target and the request headers, lower-cased); stops on drop.
    struct LoopbackServer {
        base: Url,
        stop: Arc<AtomicBool>,
        thread: Option<std::thread::JoinHandle<()>>,
        requests: Arc<Mutex<Vec<Url>>>,
    }

    impl LoopbackServer {
        fn start(handler: impl Fn(&Url, &str) -> Reply + Send + 'static) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
            let addr = listener.local_addr().expect("local addr");
            let base = Url::parse(&format!("http://{addr}/scim/v2")).expect("url");
            let stop = Arc::new(AtomicBool::new(false));
            let requests = Arc::new(Mutex::new(Vec::new()));
            let (stop_flag, log, origin) = (stop.clone(), requests.clone(), format!("http://{addr}"));
            let thread = std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop_flag.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let _ = serve_one(stream, &origin, &handler, &log);
                }
            });
            Self { base, stop, thread: Some(thread), requests }
        }

        fn requests(&self) -> Vec<Url> {
            self.requests.lock().expect("lock").clone()
        }
    }

    fn serve_one(
        mut stream: TcpStream,
        origin: &str,
        handler: &impl Fn(&Url, &str) -> Reply,
        log: &Mutex<Vec<Url>>,
    ) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        let mut headers = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            headers.push_str(&line.to_ascii_lowercase());
        }
        let target = request_line.split_whitespace().nth(1).unwrap_or("/");
        let url = Url::parse(&format!("{origin}{target}")).expect("request target");
        log.lock().expect("lock").push(url.clone());
        let reply = handler(&url, &headers);
        write!(
            stream,
            "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n{}",
            reply.status,
            reply.content_type,
            reply.body.len(),
            reply.headers,
            reply.body
        )?;
        stream.flush()
    }

    impl Drop for LoopbackServer {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            // Wake the blocking accept so the thread sees the flag.
            let _ = TcpStream::connect(self.base.socket_addrs(|| None).expect("addr")[0]);
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    fn query(url: &Url, name: &str) -> Option<String> {
        url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }

    /// A directory of `total` users that returns at most `cap` per page, whatever `count` says.
    fn capped_directory(total: u64, cap: u64) -> impl Fn(&Url, &str) -> Reply + Send + 'static {
        move |url, _| {
            let start: u64 = query(url, "startIndex").and_then(|s| s.parse().ok()).unwrap_or(1);
            let count: u64 = query(url, "count").and_then(|s| s.parse().ok()).unwrap_or(100);
            let end = (start - 1 + count.min(cap)).min(total);
            let users: Vec<_> =
                (start..=end).map(|i| json!({"id": format!("u{i}"), "userName": format!("user{i}")})).collect();
            scim(
                200,
                json!({"totalResults": total, "startIndex": start, "itemsPerPage": users.len(), "Resources": users}),
            )
        }
    }

    #[test]
    fn an_id_listing_keeps_the_id_and_the_attributes_that_may_hold_a_bu() {
        let division = bailiwick_scim::schema::ENTERPRISE_USER;
        let page = json!({"totalResults": 3, "Resources": [
            {"schemas": [bailiwick_scim::schema::USER], "ID": "u1", division: {"division": "EMEA/DE"},
             "meta": {"resourceType": "User"}},
            {"id": null, "title": "EMEA"},
            {"id": "u3"},
        ]});
        let page: ListResponse<UserStub> = serde_json::from_value(page).expect("a valid id listing decodes");
        let ids: Vec<_> = page.resources.iter().map(|stub| stub.id.as_deref()).collect();
        assert_eq!(ids, [Some("u1"), None, Some("u3")], "`id` is matched in any case");
        let kept: Vec<Vec<&str>> =
            page.resources.iter().map(|stub| stub.rest.keys().map(String::as_str).collect()).collect();
        assert_eq!(kept, [vec![division], vec!["title"], vec![]], "schemas and meta are left out");
        assert_eq!(
            crate::directory::bu_in_json(
                &serde_json::Value::Object(page.resources[0].rest.clone()),
                &format!("{division}:division")
            )
            .as_deref(),
            Some("EMEA/DE")
        );
        let refused = serde_json::from_value::<UserStub>(json!({"id": 7}));
        assert!(refused.expect_err("a numeric id is refused").to_string().contains("must be a string"));
    }

    fn token() -> AccessToken {
        AccessToken::new("test-token")
    }

    #[tokio::test]
    async fn paging_advances_by_what_a_capping_server_returns() {
        let server = LoopbackServer::start(capped_directory(23, 4));
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone()).with_page_size(10);
        let mut progress = Vec::new();
        let users = client
            .list_all_users(&token(), Some("userName pr"), &mut |p| progress.push(p.fetched))
            .await
            .expect("paging succeeds");
        let ids: Vec<_> = users.iter().filter_map(|u| u.id.clone()).collect();
        assert_eq!(ids, (1..=23).map(|i| format!("u{i}")).collect::<Vec<_>>(), "every user once, in order");
        let starts: Vec<_> = server.requests().iter().filter_map(|u| query(u, "startIndex")).collect();
        assert_eq!(starts, ["1", "5", "9", "13", "17", "21"]);
        assert!(server.requests().iter().all(|u| query(u, "count").as_deref() == Some("10")));
        assert!(server.requests().iter().all(|u| query(u, "filter").as_deref() == Some("userName pr")));
        assert_eq!(progress.last(), Some(&23));
    }

    #[tokio::test]
    async fn several_pages_in_flight_give_every_user_once_in_order() {
        let server = LoopbackServer::start(capped_directory(103, 10));
        let client =
            ScimClient::new(reqwest::Client::new(), server.base.clone()).with_page_size(10).with_pages_in_flight(4);
        let mut progress = Vec::new();
        let users = client.list_all_users(&token(), None, &mut |p| progress.push(p.fetched)).await.expect("paging");
        let ids: Vec<_> = users.iter().filter_map(|u| u.id.clone()).collect();
        assert_eq!(ids, (1..=103).map(|i| format!("u{i}")).collect::<Vec<_>>());
        let mut starts: Vec<u64> =
            server.requests().iter().filter_map(|u| query(u, "startIndex")?.parse().ok()).collect();
        starts.sort_unstable();
        assert_eq!(starts, (0..11).map(|k| 1 + 10 * k).collect::<Vec<u64>>(), "each page asked for once");
        assert_eq!(progress.last(), Some(&103));
        assert!(progress.windows(2).all(|w| w[0] < w[1]), "progress only grows: {progress:?}");
    }

    #[tokio::test]
    async fn a_short_page_among_pages_in_flight_leaves_no_gap() {
        // Pages of 10, except that the one starting at 21 holds only 5: the pages computed
        // ahead (31, 41 …) would skip 26-30 if paging did not go on from where it ended.
        let server = LoopbackServer::start(|url, _| {
            let start: u64 = query(url, "startIndex").and_then(|s| s.parse().ok()).unwrap_or(1);
            let size = if start == 21 { 5 } else { 10 };
            let end = (start + size - 1).min(60);
            let users: Vec<_> =
                (start..=end).map(|i| json!({"id": format!("u{i}"), "userName": format!("user{i}")})).collect();
            scim(200, json!({"totalResults": 60, "Resources": users}))
        });
        let client =
            ScimClient::new(reqwest::Client::new(), server.base.clone()).with_page_size(10).with_pages_in_flight(3);
        let users = client.list_all_users(&token(), None, &mut |_| {}).await.expect("paging");
        let ids: Vec<_> = users.iter().filter_map(|u| u.id.clone()).collect();
        assert_eq!(ids, (1..=60).map(|i| format!("u{i}")).collect::<Vec<_>>(), "all of them, once, in order");
    }

    #[tokio::test]
    async fn paging_stops_at_an_empty_page_even_if_total_results_is_larger() {
        let server = LoopbackServer::start(|url, _| {
            let start = query(url, "startIndex").unwrap_or_default();
            let resources = if start == "1" { json!([{"id": "a", "userName": "a"}]) } else { json!([]) };
            scim(200, json!({"totalResults": 50, "Resources": resources}))
        });
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone());
        let users = client.list_all_users(&token(), None, &mut |_| {}).await.expect("paging succeeds");
        assert_eq!(users.len(), 1);
        assert_eq!(server.requests().len(), 2);
    }

    #[tokio::test]
    async fn a_kept_listing_keeps_what_keep_returns_hands_over_repeats_and_pages_past_pages_it_drops() {
        // Page 2 shifted: it repeats u2, which is handed over again (the sync's writes keep the
        // last listed). Page 3 holds only users `keep` drops, which is no reason to think the
        // server does not advance.
        let server = LoopbackServer::start(|url, _| {
            let user = |id: &str, bu: &str| json!({"id": id, "userName": id, "title": bu});
            let resources = match query(url, "startIndex").as_deref() {
                Some("1") => json!([user("u1", "in"), user("u2", "in")]),
                Some("3") => json!([user("u2", "in"), user("u3", "in")]),
                Some("5") => json!([user("u4", "out"), user("u5", "out")]),
                _ => json!([]),
            };
            scim(200, json!({"totalResults": 6, "Resources": resources}))
        });
        let client =
            ScimClient::new(reqwest::Client::new(), server.base.clone()).with_page_size(2).with_pages_in_flight(3);
        let keep: Keep<ListedJson, String> = Arc::new(|json: ListedJson| {
            let user: User = serde_json::from_str(json.get())?;
            assert_eq!(json.get(), json!({"id": user.id, "userName": user.user_name, "title": user.title}).to_string());
            Ok(Kept { id: user.id, kept: (user.title.as_deref() == Some("in")).then_some(user.user_name) })
        });
        let mut fetched = Vec::new();
        let kept = client
            .list_all_users_kept(&token(), None, keep, &mut |p| fetched.push(p.fetched), &AtomicBool::new(false))
            .await
            .expect("lists");
        assert_eq!(kept, ["u1", "u2", "u2", "u3"]);
        assert_eq!(fetched.last(), Some(&6), "u1 to u5, u2 twice: {fetched:?}");
    }

    #[tokio::test]
    async fn a_kept_listing_from_a_server_that_ignores_start_index_is_refused_instead_of_looping() {
        let server = LoopbackServer::start(|_, _| {
            scim(200, json!({"totalResults": 1000, "Resources": [{"id": "u1", "userName": "ada"}]}))
        });
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone());
        let keep: Keep<ListedJson, ()> = Arc::new(|_| Ok(Kept { id: Some("u1".to_owned()), kept: Some(()) }));
        let err = client
            .list_all_users_kept(&token(), None, keep, &mut |_| {}, &AtomicBool::new(false))
            .await
            .expect_err("must not loop");
        assert!(
            matches!(&err, Error::MalformedResponse { reason, .. } if reason.contains("does not advance")),
            "{err}"
        );
        assert_eq!(server.requests().len(), 2, "refused at the second page starting where the first did");
    }

    /// A directory of `total` users paged by cursor, `cap` per page, cursors `c<next index>`;
    /// `totalResults` only when `counted`.
    fn cursor_directory(total: u64, cap: u64, counted: bool) -> impl Fn(&Url, &str) -> Reply + Send + 'static {
        move |url, _| {
            let Some(cursor) = query(url, "cursor") else {
                return scim(400, json!({"detail": "this server pages by cursor only", "scimType": "invalidValue"}));
            };
            let start = match cursor.as_str() {
                "" => 1,
                other => match other.strip_prefix('c').and_then(|n| n.parse::<u64>().ok()) {
                    Some(n) => n,
                    None => return scim(400, json!({"detail": "bad cursor", "scimType": "invalidCursor"})),
                },
            };
            let end = (start + cap - 1).min(total);
            let resources: Vec<_> =
                (start..=end).map(|i| json!({"id": format!("u{i}"), "userName": format!("user{i}")})).collect();
            let mut page = json!({"Resources": resources, "itemsPerPage": end + 1 - start});
            if end < total {
                page["nextCursor"] = json!(format!("c{}", end + 1));
            }
            if counted {
                page["totalResults"] = json!(total);
            }
            scim(200, page)
        }
    }

    #[tokio::test]
    async fn a_listing_by_cursor_follows_next_cursor_to_the_last_page_without_a_total() {
        let server = LoopbackServer::start(cursor_directory(23, 4, false));
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone())
            .with_page_size(10)
            .with_pages_in_flight(4)
            .with_cursor_paging(true);
        let mut progress = Vec::new();
        let users = client
            .list_all_users(&token(), Some("userName pr"), &mut |p| progress.push((p.fetched, p.total)))
            .await
            .expect("paging by cursor succeeds");
        let ids: Vec<_> = users.iter().filter_map(|u| u.id.clone()).collect();
        assert_eq!(ids, (1..=23).map(|i| format!("u{i}")).collect::<Vec<_>>(), "every user once, in order");
        let cursors: Vec<_> = server.requests().iter().filter_map(|u| query(u, "cursor")).collect();
        assert_eq!(cursors, ["", "c5", "c9", "c13", "c17", "c21"], "one page after the other, as each names the next");
        assert!(server.requests().iter().all(|u| query(u, "startIndex").is_none()), "never both ways at once");
        assert!(server.requests().iter().all(|u| query(u, "count").as_deref() == Some("10")));
        assert_eq!(progress.last(), Some(&(23, None)), "without totalResults, no total is made up");
    }

    #[tokio::test]
    async fn a_count_by_cursor_reads_the_total_and_says_so_when_there_is_none() {
        let counted = LoopbackServer::start(cursor_directory(23, 4, true));
        let client = ScimClient::new(reqwest::Client::new(), counted.base.clone()).with_cursor_paging(true);
        assert_eq!(client.count_users(&token(), Some("userName pr")).await.expect("counts"), 23);
        assert_eq!(query(&counted.requests()[0], "count").as_deref(), Some("1"));
        let uncounted = LoopbackServer::start(cursor_directory(23, 4, false));
        let client = ScimClient::new(reqwest::Client::new(), uncounted.base.clone()).with_cursor_paging(true);
        let error = client.count_users(&token(), None).await.expect_err("nothing to count with");
        assert!(
            matches!(&error, Error::MalformedResponse { reason, .. } if reason.contains("totalResults")),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_server_that_hands_out_the_same_cursor_again_is_refused_instead_of_looping() {
        let server = LoopbackServer::start(|_, _| {
            scim(200, json!({"Resources": [{"id": "u1", "userName": "a"}], "nextCursor": "again"}))
        });
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone()).with_cursor_paging(true);
        let error = client.list_all_users(&token(), None, &mut |_| {}).await.expect_err("must not loop");
        assert!(
            matches!(&error, Error::MalformedResponse { reason, .. } if reason.contains("cursor \"again\"")),
            "{error}"
        );
        // The next page is asked for while the one before is decoded: refused one page later.
        assert_eq!(server.requests().len(), 3, "refused at the second identical page");
    }

    #[test]
    fn cursors_are_chosen_when_the_server_pages_only_or_preferably_by_cursor() {
        let prefers = |pagination: serde_json::Value| {
            ServerFeatures::of(&json!({"filter": {"supported": true}, "pagination": pagination})).prefers_cursor_paging
        };
        assert!(prefers(json!({"cursor": true, "index": false})));
        assert!(prefers(json!({"cursor": true, "index": true, "defaultPaginationMethod": "cursor"})));
        assert!(!prefers(json!({"cursor": true, "index": true, "defaultPaginationMethod": "index"})));
        assert!(!prefers(json!({"cursor": true, "index": true})), "both, no preference: index, pages in flight");
        assert!(!prefers(json!({"cursor": false, "index": false})), "a cursor not offered is not used");
        assert!(!ServerFeatures::of(&json!({"filter": {"supported": true}})).prefers_cursor_paging);
        assert!(ServerFeatures::of(&json!({"filter": {"supported": true}})).filter);
    }

    #[tokio::test]
    async fn a_server_that_ignores_start_index_is_refused_instead_of_looping() {
        let server = LoopbackServer::start(|_, _| {
            scim(200, json!({"totalResults": 1000, "Resources": [{"id": "g1", "displayName": "Authors"}]}))
        });
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone());
        let err = client.list_all_groups(&token(), None, &mut |_| {}).await.expect_err("must not loop");
        assert!(
            matches!(&err, Error::MalformedResponse { reason, .. } if reason.contains("does not advance")),
            "{err}"
        );
        assert_eq!(server.requests().len(), 2, "refused at the second identical page");
    }

    #[tokio::test]
    async fn requests_carry_the_bearer_token_and_ask_for_scim_json() {
        let server = LoopbackServer::start(|url, headers| {
            if url.path() == "/scim/v2/Groups"
                && headers.contains("authorization: bearer test-token")
                && headers.contains("accept: application/scim+json")
            {
                Reply {
                    status: 200,
                    content_type: "application/json; charset=utf-8",
                    body: r#"{"totalResults":0}"#.into(),
                    headers: String::new(),
                }
            } else {
                scim(401, json!({"status": "401", "detail": "unexpected request"}))
            }
        });
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone());
        let page = client.list_groups_page(&token(), None, 1, 5).await.expect("application/json is accepted");
        assert!(page.resources.is_empty());
    }

    #[tokio::test]
    async fn http_errors_keep_the_scim_detail() {
        let server = LoopbackServer::start(|_, _| {
            scim(
                403,
                json!({"schemas": [bailiwick_scim::schema::ERROR], "status": 403, "detail": "outside your scopes"}),
            )
        });
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone());
        let err = client.list_users_page(&token(), None, 1, 5).await.expect_err("403");
        assert!(
            matches!(&err, Error::Http { status: 403, detail: Some(d), .. } if d == "outside your scopes"),
            "{err:?}"
        );
        assert!(!err.to_string().contains("test-token"));
    }

    #[tokio::test]
    async fn malformed_json_and_wrong_media_types_are_errors_not_panics() {
        let server = LoopbackServer::start(|url, _| match query(url, "startIndex").as_deref() {
            Some("1") => scim(200, json!({"totalResults": "many", "Resources": 3})),
            Some("2") => Reply {
                status: 200,
                content_type: "application/scim+json",
                body: "{\"totalRes".into(),
                headers: String::new(),
            },
            _ => Reply {
                status: 200,
                content_type: "text/html",
                body: "<html>login</html>".into(),
                headers: String::new(),
            },
        });
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone());
        for start in [1, 2, 3] {
            let err = client.list_users_page(&token(), None, start, 5).await.expect_err("malformed");
            assert!(matches!(err, Error::MalformedResponse { .. }), "start {start}: {err:?}");
        }
    }

    #[tokio::test]
    async fn an_unreachable_server_is_offline() {
        // Bind then drop: the port is closed, so the connection is refused.
        let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let base = Url::parse(&format!("http://127.0.0.1:{port}/scim/v2/")).expect("url");
        let client = ScimClient::new(reqwest::Client::new(), base);
        let err = client.list_users_page(&token(), None, 1, 5).await.expect_err("refused");
        assert!(matches!(&err, Error::Offline { host, .. } if host == "127.0.0.1"), "{err:?}");
        assert_eq!(err.code(), crate::error::ErrorCode::Offline);
    }

    /// Quick retries for tests: what is asserted is the count and the order, not the waits.
    fn quick_retry() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(40),
            max_total_wait: Duration::from_secs(5),
        }
    }

    /// Answers the scripted statuses in turn (with their extra headers), then 200 with one user.
    fn scripted(script: Vec<(u16, &'static str)>) -> impl Fn(&Url, &str) -> Reply + Send + 'static {
        let next = std::sync::atomic::AtomicUsize::new(0);
        move |_, _| {
            let n = next.fetch_add(1, Ordering::SeqCst);
            match script.get(n) {
                Some(&(status, headers)) => Reply {
                    status,
                    content_type: "application/scim+json",
                    body: json!({"status": status.to_string(), "detail": format!("answer {n}")}).to_string(),
                    headers: headers.into(),
                },
                None => scim(200, json!({"totalResults": 1, "Resources": [{"id": "u1", "userName": "anna"}]})),
            }
        }
    }

    #[tokio::test]
    async fn a_503_and_a_429_are_retried_honouring_retry_after_seconds() {
        let server = LoopbackServer::start(scripted(vec![(503, ""), (429, "Retry-After: 1\r\n")]));
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone()).with_retry(quick_retry());
        let started = std::time::Instant::now();
        let page = client.list_users_page(&token(), None, 1, 5).await.expect("succeeds on the third request");
        assert_eq!(page.resources.len(), 1);
        assert_eq!(server.requests().len(), 3);
        assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 was honoured ({:?})", started.elapsed());
    }

    #[tokio::test]
    async fn a_server_that_never_recovers_fails_with_its_last_status_after_bounded_attempts() {
        let server = LoopbackServer::start(scripted(vec![(503, ""), (502, ""), (500, ""), (504, ""), (503, "")]));
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone()).with_retry(quick_retry());
        let started = std::time::Instant::now();
        let err = client.list_users_page(&token(), None, 1, 5).await.expect_err("gives up");
        assert!(matches!(&err, Error::Http { status: 504, detail: Some(d), .. } if d == "answer 3"), "{err:?}");
        assert_eq!(server.requests().len(), 4, "max_attempts requests, no more");
        assert!(started.elapsed() < Duration::from_secs(2), "bounded: {:?}", started.elapsed());
        assert!(err.retryable());
    }

    #[tokio::test]
    async fn a_retry_after_beyond_the_total_cap_is_not_waited_for() {
        let server = LoopbackServer::start(scripted(vec![(429, "Retry-After: 3600\r\n")]));
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone()).with_retry(quick_retry());
        let started = std::time::Instant::now();
        let err = client.list_users_page(&token(), None, 1, 5).await.expect_err("gives up at once");
        assert!(matches!(err, Error::Http { status: 429, .. }), "{err:?}");
        assert_eq!(server.requests().len(), 1);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn client_errors_other_than_429_are_not_retried() {
        let server = LoopbackServer::start(scripted(vec![(404, ""), (404, "")]));
        let client = ScimClient::new(reqwest::Client::new(), server.base.clone()).with_retry(quick_retry());
        let err = client.list_users_page(&token(), None, 1, 5).await.expect_err("404");
        assert!(matches!(err, Error::Http { status: 404, .. }), "{err:?}");
        assert_eq!(server.requests().len(), 1);
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_an_http_date() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z").expect("time").with_timezone(&Utc);
        let header = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, value.parse().expect("header value"));
            retry_after(&headers, now)
        };
        assert_eq!(header("120"), Some(Duration::from_secs(120)));
        assert_eq!(header("Wed, 21 Oct 2015 07:28:30 GMT"), Some(Duration::from_secs(30)));
        assert_eq!(header("Wed, 21 Oct 2015 07:00:00 GMT"), Some(Duration::ZERO), "a past date means now");
        assert_eq!(header("soon"), None);
        assert_eq!(header("-5"), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        let waits: Vec<_> = (1..=4).map(|a| policy.backoff(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 350, 350]);
    }
}
