//! Listing a resource type page by page (RFC 7644 §3.4.2.4), by index or by cursor
//! (RFC 9865), each resource read by a `Keep` on the thread that decoded its page.
//!
//! By index, the first page says how many there are and how many the server returns per page,
//! and the pages after it are asked for several at once. By cursor, each page names the next,
//! so they come one at a time; a server may page only that way (`pagination.index: false` in
//! its ServiceProviderConfig), or prefer it, and its cursors keep a listing's place however the
//! directory changes meanwhile, where an index can shift. `ScimClient::with_cursor_paging`
//! chooses; the sync chooses from what the server announces (`ServerFeatures`).

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bailiwick_scim::{CursorListResponse, ListResponse};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::value::RawValue;
use tokio::task::JoinHandle;
use url::Url;

use super::client::{decoded, PageFetched, ScimClient};
use super::listed_json::ListedJson;
use crate::error::Error;
use crate::secret::AccessToken;

/// The parts of a list request (RFC 7644 §3.4.2) besides paging.
#[derive(Debug, Clone, Copy)]
pub(super) struct ListQuery<'a> {
    pub filter: Option<&'a str>,
    /// `attributes`: a comma-separated selection; `None` asks for the default set.
    pub attributes: Option<&'a str>,
    /// `count` asked for per page.
    pub page_size: u32,
}

/// Where a page starts: at a 1-based index (RFC 7644 §3.4.2.4), or at a cursor (RFC 9865; empty
/// for the first page).
#[derive(Debug, Clone, Copy)]
enum PageAt<'a> {
    Index(u64),
    Cursor(&'a str),
}

impl fmt::Display for PageAt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageAt::Index(start_index) => write!(f, "startIndex={start_index}"),
            PageAt::Cursor(cursor) => write!(f, "cursor {cursor:?}"),
        }
    }
}

/// How a listing reads each resource of a page, on the thread that decoded the page; an error
/// fails the page as malformed.
pub type Keep<T, U> = Arc<dyn Fn(T) -> serde_json::Result<Kept<U>> + Send + Sync>;

/// A resource of a page as `Keep` read it: its id (to drop it if an earlier page had it
/// already), and what the listing keeps of it.
#[derive(Debug)]
pub struct Kept<U> {
    pub id: Option<String>,
    pub kept: Option<U>,
}

/// A `Keep` that keeps every resource whole, with its id as `id_of` reads it.
pub(super) fn keep_all<T: Send + 'static>(id_of: fn(&T) -> Option<&str>) -> Keep<T, T> {
    Arc::new(move |resource: T| Ok(Kept { id: id_of(&resource).map(str::to_owned), kept: Some(resource) }))
}

/// How a page's body becomes its resources, each read by a [`Keep`] (on the blocking pool, as
/// the page arrives).
pub(super) trait ReadPage<U>: Send + Sync + 'static {
    fn by_index(&self, body: Bytes) -> serde_json::Result<ListResponse<Kept<U>>>;
    fn by_cursor(&self, body: Bytes) -> serde_json::Result<CursorPage<U>>;

    /// What the listing does with a resource listed again.
    fn repeats(&self) -> Repeats {
        Repeats::Dropped
    }
}

/// Each resource decoded as a `T` of its own.
pub(super) struct Decoded<T, U>(pub Keep<T, U>);

impl<T: DeserializeOwned + Send + 'static, U: Send + 'static> ReadPage<U> for Decoded<T, U> {
    fn by_index(&self, body: Bytes) -> serde_json::Result<ListResponse<Kept<U>>> {
        let ListResponse { schemas, total_results, start_index, items_per_page, resources } =
            serde_json::from_slice::<ListResponse<T>>(&body)?;
        let resources = resources.into_iter().map(|resource| (self.0)(resource)).collect::<Result<_, _>>()?;
        Ok(ListResponse { schemas, total_results, start_index, items_per_page, resources })
    }

    fn by_cursor(&self, body: Bytes) -> serde_json::Result<CursorPage<U>> {
        let page = serde_json::from_slice::<CursorListResponse<T>>(&body)?;
        let resources = page.resources.into_iter().map(|resource| (self.0)(resource)).collect::<Result<_, _>>()?;
        Ok(CursorPage { total: page.total_results, resources })
    }
}

/// Each resource as its JSON text within the page's ([`ListedJson`]): the page is read as JSON
/// once, and no resource's text is copied out of it. For the sync's users, whose writes keep one
/// of a user listed twice: repeats are handed over.
pub(super) struct Shared<U>(pub Keep<ListedJson, U>);

impl<U: Send + 'static> ReadPage<U> for Shared<U> {
    fn by_index(&self, body: Bytes) -> serde_json::Result<ListResponse<Kept<U>>> {
        let page = ListedJson::page(body)?;
        let ListResponse { schemas, total_results, start_index, items_per_page, resources } =
            serde_json::from_str::<ListResponse<&RawValue>>(&page)?;
        let resources =
            resources.into_iter().map(|raw| (self.0)(ListedJson::within(&page, raw))).collect::<Result<_, _>>()?;
        Ok(ListResponse { schemas, total_results, start_index, items_per_page, resources })
    }

    fn by_cursor(&self, body: Bytes) -> serde_json::Result<CursorPage<U>> {
        let page = ListedJson::page(body)?;
        let listed = serde_json::from_str::<CursorListResponse<&RawValue>>(&page)?;
        let resources = listed
            .resources
            .into_iter()
            .map(|raw| (self.0)(ListedJson::within(&page, raw)))
            .collect::<Result<_, _>>()?;
        Ok(CursorPage { total: listed.total_results, resources })
    }

    fn repeats(&self) -> Repeats {
        Repeats::HandedOver
    }
}

/// What a listing does with a resource listed again (a listing that shifted between pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Repeats {
    /// Dropped: each resource once, as first listed. A page with nothing new means the server
    /// ignores `startIndex` (or hands out the same cursor), and paging on would never end.
    Dropped,
    /// Handed over each time it is listed: the caller keeps one. For a million users the set of
    /// every id took a second of the thread that drives the requests, mostly waiting on memory.
    /// A page that starts with the resource an earlier page started with means the server does
    /// not advance.
    HandedOver,
}

/// What a listing has received so far: resources in order (each once, when repeats are
/// dropped).
struct Listed<U> {
    resource: &'static str,
    repeats: Repeats,
    /// What the listing keeps.
    all: Vec<U>,
    /// Resources received (each once, when repeats are dropped).
    fetched: u64,
    /// Every id listed (`Repeats::Dropped`).
    seen: HashSet<String>,
    /// The id each page started with (`Repeats::HandedOver`).
    page_starts: HashSet<String>,
}

/// A page by cursor, decoded: `totalResults` if the server sent it, and what `Keep` read.
pub(super) struct CursorPage<U> {
    total: Option<u64>,
    resources: Vec<Kept<U>>,
}

/// A page by cursor being decoded on the blocking pool: the cursor that asked for it, its URL.
struct DecodingPage<U> {
    cursor: String,
    url: Url,
    decode: JoinHandle<serde_json::Result<CursorPage<U>>>,
}

/// At most this many resources are made room for up front, whatever a server says it holds.
const RESERVED_AT_MOST: u64 = 1_000_000;

impl<U> Listed<U> {
    fn new(resource: &'static str, repeats: Repeats) -> Self {
        Self { resource, repeats, all: Vec::new(), fetched: 0, seen: HashSet::new(), page_starts: HashSet::new() }
    }

    /// Makes room for `total` resources (as the first page says there are) at once: grown page
    /// by page, the list of 100,000 users was copied 17 times, into fresh memory each time.
    fn expect(&mut self, total: u64) {
        let room = usize::try_from(total.min(RESERVED_AT_MOST)).unwrap_or(0);
        self.all.reserve(room);
        if self.repeats == Repeats::Dropped {
            self.seen.reserve(room);
        }
    }

    /// Keeps a page by cursor once it is decoded.
    async fn take_cursor_page(
        &mut self,
        DecodingPage { cursor, url, decode }: DecodingPage<U>,
        client: &ScimClient,
        on_page: &mut (dyn FnMut(PageFetched) + Send),
    ) -> Result<(), Error> {
        let page = decoded(&url, decode.await)?;
        if cursor.is_empty() {
            self.expect(page.total.unwrap_or(0));
        }
        self.take(page.resources, PageAt::Cursor(&cursor), client)?;
        on_page(PageFetched { resource: self.resource, fetched: self.fetched, total: page.total });
        Ok(())
    }

    /// Keeps the page's resources (its new ones, when repeats are dropped); an error when the
    /// page shows that the server does not advance (see `Repeats`).
    fn take(&mut self, resources: Vec<Kept<U>>, at: PageAt<'_>, client: &ScimClient) -> Result<(), Error> {
        if self.repeats == Repeats::HandedOver {
            if let Some(first) = resources.first().and_then(|r| r.id.clone()) {
                if !self.page_starts.insert(first) {
                    return Err(Error::MalformedResponse {
                        url: client.endpoint(self.resource)?.to_string(),
                        reason: format!(
                            "the page at {at} starts with a resource an earlier page started with; \
                             the server does not advance"
                        ),
                    });
                }
            }
            self.fetched += resources.len() as u64;
            self.all.extend(resources.into_iter().filter_map(|r| r.kept));
            return Ok(());
        }
        let received = resources.len();
        let before = self.fetched;
        for Kept { id, kept } in resources {
            // Resources without an id cannot be deduplicated; keep them (the caller decides).
            if id.is_none_or(|id| self.seen.insert(id)) {
                self.fetched += 1;
                self.all.extend(kept);
            }
        }
        if received > 0 && self.fetched == before {
            return Err(Error::MalformedResponse {
                url: client.endpoint(self.resource)?.to_string(),
                reason: format!("the page at {at} repeats resources already received; the server does not advance"),
            });
        }
        Ok(())
    }
}

impl ScimClient {
    /// Pages through a resource type, by index or by cursor (see the module). Resources already
    /// seen (a page shifted by a concurrent insert) are dropped.
    pub(super) async fn list_all<T: DeserializeOwned + Send + 'static>(
        &self,
        resource: &'static str,
        token: &AccessToken,
        filter: Option<&str>,
        id_of: fn(&T) -> Option<&str>,
        on_page: &mut (dyn FnMut(PageFetched) + Send),
        cancelled: &AtomicBool,
    ) -> Result<Vec<T>, Error> {
        let query = ListQuery { filter, attributes: None, page_size: self.page_size };
        self.list_all_with(resource, token, query, Arc::new(Decoded(keep_all(id_of))), on_page, cancelled).await
    }

    /// `list_all` with the whole query (filter and attribute selection), keeping what `keep`
    /// returns for each resource.
    pub(super) async fn list_all_with<U: Send + 'static>(
        &self,
        resource: &'static str,
        token: &AccessToken,
        query: ListQuery<'_>,
        read: Arc<dyn ReadPage<U>>,
        on_page: &mut (dyn FnMut(PageFetched) + Send),
        cancelled: &AtomicBool,
    ) -> Result<Vec<U>, Error> {
        let listed = Listed::new(resource, read.repeats());
        if self.pages_by_cursor {
            self.list_by_cursor(listed, token, query, &read, on_page, cancelled).await
        } else {
            self.list_by_index(listed, token, query, &read, on_page, cancelled).await
        }
    }

    /// Pages by `startIndex`, which is 1-based and advances by the number of resources actually
    /// returned, because servers cap `count` silently; after the first page, several pages are
    /// asked for at once. Stops at `totalResults` or at an empty page.
    async fn list_by_index<U: Send + 'static>(
        &self,
        mut listed: Listed<U>,
        token: &AccessToken,
        query: ListQuery<'_>,
        read: &Arc<dyn ReadPage<U>>,
        on_page: &mut (dyn FnMut(PageFetched) + Send),
        cancelled: &AtomicBool,
    ) -> Result<Vec<U>, Error> {
        let resource = listed.resource;
        let mut start_index: u64 = 1;
        // The first page tells how many there are and how many the server returns per page
        // (it may cap `count` silently): the stride of the pages requested together after it.
        let first = self.next_page(resource, token, query, start_index, read, cancelled).await?;
        let (stride, mut total) = (first.resources.len() as u64, first.total_results);
        if stride == 0 {
            return Ok(listed.all);
        }
        listed.expect(total);
        listed.take(first.resources, PageAt::Index(start_index), self)?;
        on_page(PageFetched { resource, fetched: listed.fetched, total: Some(total) });
        start_index += stride;
        if self.pages_in_flight > 1 && start_index <= total {
            let starts: Vec<u64> = (0..).map(|k| start_index + k * stride).take_while(|s| *s <= total).collect();
            let mut pages =
                futures_util::stream::iter(starts)
                    .map(|start| async move {
                        (start, self.next_page(resource, token, query, start, read, cancelled).await)
                    })
                    .buffered(self.pages_in_flight);
            while let Some((start, page)) = pages.next().await {
                let page = page?;
                let returned = page.resources.len() as u64;
                total = page.total_results;
                listed.take(page.resources, PageAt::Index(start), self)?;
                on_page(PageFetched { resource, fetched: listed.fetched, total: Some(total) });
                start_index = start + returned;
                // A short page before the end: this server's pages are not of one size (or the
                // listing changed). Whatever is still in flight may overlap or leave a gap, so
                // go on one page at a time from where this one ended; duplicates are dropped.
                if returned < stride {
                    break;
                }
            }
        }
        while start_index <= total {
            let page = self.next_page(resource, token, query, start_index, read, cancelled).await?;
            let returned = page.resources.len() as u64;
            if returned == 0 {
                break;
            }
            total = page.total_results;
            listed.take(page.resources, PageAt::Index(start_index), self)?;
            on_page(PageFetched { resource, fetched: listed.fetched, total: Some(total) });
            start_index += returned;
        }
        Ok(listed.all)
    }

    /// One page of a listing, each resource as `keep` reads it, unless the sync was cancelled.
    async fn next_page<U: Send + 'static>(
        &self,
        resource: &'static str,
        token: &AccessToken,
        query: ListQuery<'_>,
        start_index: u64,
        read: &Arc<dyn ReadPage<U>>,
        cancelled: &AtomicBool,
    ) -> Result<ListResponse<Kept<U>>, Error> {
        if cancelled.load(Ordering::SeqCst) {
            return Err(Error::Cancelled(format!("reading {resource}")));
        }
        let url = self.list_url(resource, query, PageAt::Index(start_index), query.page_size)?;
        let read = Arc::clone(read);
        self.get_decoded(token, url, move |body| read.by_index(body)).await
    }

    /// Pages by cursor (RFC 9865): an empty `cursor` asks for the first page, then each page's
    /// `nextCursor` for the next. A cursor is known only once the page before it arrived, so the
    /// next page is asked for as soon as its cursor is read (a parse that keeps nothing), while
    /// the page that named it is decoded. Stops at a page without `nextCursor`, or an empty one.
    async fn list_by_cursor<U: Send + 'static>(
        &self,
        mut listed: Listed<U>,
        token: &AccessToken,
        query: ListQuery<'_>,
        read: &Arc<dyn ReadPage<U>>,
        on_page: &mut (dyn FnMut(PageFetched) + Send),
        cancelled: &AtomicBool,
    ) -> Result<Vec<U>, Error> {
        let resource = listed.resource;
        let mut cursor = String::new();
        let mut decoding: Option<DecodingPage<U>> = None;
        loop {
            if cancelled.load(Ordering::SeqCst) {
                return Err(Error::Cancelled(format!("reading {resource}")));
            }
            let url = self.list_url(resource, query, PageAt::Cursor(&cursor), query.page_size)?;
            // The next cursor is read here, before the next request: the body in one piece now.
            let body = self.get_body(token, &url).await?.in_one_piece();
            let envelope: CursorListResponse<IgnoredAny> = serde_json::from_slice(body.as_ref())
                .map_err(|e| Error::MalformedResponse { url: url.to_string(), reason: e.to_string() })?;
            let read = Arc::clone(read);
            let decode = tokio::task::spawn_blocking(move || read.by_cursor(body));
            if let Some(previous) = decoding.replace(DecodingPage { cursor: cursor.clone(), url, decode }) {
                listed.take_cursor_page(previous, self, on_page).await?;
            }
            match envelope.next_cursor {
                Some(next) if !envelope.resources.is_empty() && !next.is_empty() => cursor = next,
                _ => break,
            }
        }
        if let Some(last) = decoding {
            listed.take_cursor_page(last, self, on_page).await?;
        }
        Ok(listed.all)
    }

    /// How many resources of `resource` match `query`: `totalResults` of a page of one.
    pub(super) async fn count_with(
        &self,
        resource: &'static str,
        token: &AccessToken,
        query: ListQuery<'_>,
    ) -> Result<u64, Error> {
        if !self.pages_by_cursor {
            let page: ListResponse<IgnoredAny> = self.list_page_with(resource, token, query, 1, 1).await?;
            return Ok(page.total_results);
        }
        let url = self.list_url(resource, query, PageAt::Cursor(""), 1)?;
        let page: CursorListResponse<IgnoredAny> = self.get_json(token, url.clone()).await?;
        page.total_results.ok_or_else(|| Error::MalformedResponse {
            url: url.to_string(),
            reason: "a page by cursor without totalResults: the server does not count".into(),
        })
    }

    #[tracing::instrument(level = "debug", skip(self, token), fields(base = %self.base))]
    pub(super) async fn list_page<T: DeserializeOwned + Send + 'static>(
        &self,
        resource: &'static str,
        token: &AccessToken,
        filter: Option<&str>,
        start_index: u64,
        count: u32,
    ) -> Result<ListResponse<T>, Error> {
        self.list_page_with(
            resource,
            token,
            ListQuery { filter, attributes: None, page_size: count },
            start_index,
            count,
        )
        .await
    }

    async fn list_page_with<T: DeserializeOwned + Send + 'static>(
        &self,
        resource: &'static str,
        token: &AccessToken,
        list: ListQuery<'_>,
        start_index: u64,
        count: u32,
    ) -> Result<ListResponse<T>, Error> {
        let url = self.list_url(resource, list, PageAt::Index(start_index), count)?;
        self.get_json(token, url).await
    }

    /// The URL of a page of `resource`.
    fn list_url(&self, resource: &str, list: ListQuery<'_>, at: PageAt<'_>, count: u32) -> Result<Url, Error> {
        let mut url = self.endpoint(resource)?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(filter) = list.filter {
                query.append_pair("filter", filter);
            }
            if let Some(attributes) = list.attributes {
                query.append_pair("attributes", attributes);
            }
            match at {
                PageAt::Index(start_index) => query.append_pair("startIndex", &start_index.max(1).to_string()),
                PageAt::Cursor(cursor) => query.append_pair("cursor", cursor),
            };
            query.append_pair("count", &count.to_string());
        }
        Ok(url)
    }
}
