//! Benchmark of directory sync and cached search against the sandbox (issue 5), printing
//! figures; not a test. Run from the workspace root, after building the sandbox:
//!
//! ```sh
//! cargo build -p bailiwick-sandbox
//! cargo run -p bailiwick-tests --example bench-sync -- 100000 [PAGE_SIZE] [--encrypted] [--no-deletions] [--cursor]
//! ```
//!
//! It starts `target/debug/bailiwick-sandbox --users N` on an ephemeral loopback port, signs in
//! as gina.global (every region) through the sandbox's authorization-code + PKCE flow driven
//! directly over HTTP, times `full_sync` into a temporary cache, times `curl` alone fetching
//! the same pages over one connection, times decoding the user pages alone on one thread, times
//! the incremental syncs after 1% of the users are retitled and after another 1% are deleted,
//! and times searches over the cached users.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bailiwick_core::cache::{Cache, CachedUser, UserQuery};
use bailiwick_core::directory::{scope_filter, BuAttribute, ListedJson, ScimClient};
use bailiwick_core::profile::{Paging, DEFAULT_BU_ATTRIBUTE};
use bailiwick_core::secret::{AccessToken, CacheKey};
use bailiwick_core::sync::{sync_plan_with, Fetching, SyncCancel, SyncOptions, SyncPlan, SyncProgress};
use bailiwick_core::{BuPath, Scopes};
use bailiwick_scim::{ListResponse, User};
use bailiwick_tests::{binary, Server};
use futures_util::StreamExt;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use url::Url;

#[path = "shared/sandbox_child.rs"]
mod sandbox_child;
#[path = "shared/search_workload.rs"]
mod search_workload;
#[path = "shared/sign_in.rs"]
mod sign_in;
use sign_in::sign_in;

const ADMIN: &str = "gina.global";
/// List pages in flight, the profile's default (`scim.pages_in_flight`).
const IN_FLIGHT: usize = 4;
/// The page size the client asks for when it lists ids only (`STUB_PAGE_SIZE` in the core).
const ID_PAGE_SIZE: u32 = 2_000;

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    // RUST_LOG=bailiwick_core=info prints how long each phase of a sync took.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `--encrypted`: the cache encrypted with SQLCipher, as the desktop app and the CLI keep it.
    let encrypted = args.iter().any(|arg| arg == "--encrypted");
    // `--no-deletions`: no incremental sync after deletions (the sandbox deletes a user in time
    // proportional to the directory: 1% of a million takes the best part of an hour).
    let deletions = !args.iter().any(|arg| arg == "--no-deletions");
    // `--cursor`: every sync pages by cursor (RFC 9865), one page after the other, instead of by
    // index with pages in flight (the sandbox offers both and prefers index).
    let paging = if args.iter().any(|arg| arg == "--cursor") { Paging::Cursor } else { Paging::Auto };
    let mut args = args.into_iter().filter(|arg| !arg.starts_with("--"));
    let users: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(100_000);
    let page_size: u32 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(500);

    let dir = tempfile::tempdir()?;
    let mut command = Command::new(binary("bailiwick-sandbox"));
    command.args(["--port", "0", "--users", &users.to_string(), "--data"]).arg(dir.path().join("sandbox.sqlite"));
    command.env("RUST_LOG", "warn");
    sandbox_child::dies_with_this_process(&mut command);
    let seeding = Instant::now();
    let sandbox = Server::spawn("bailiwick-sandbox", command, Duration::from_secs(1800));
    println!("sandbox seeded with {users} synthetic users in {:.1} s", seeding.elapsed().as_secs_f64());

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()?;
    let token = AccessToken::new(&sign_in(&http, &sandbox.url, ADMIN).await?);

    let scopes = Scopes::new(["EMEA", "AMER", "APAC"].iter().filter_map(|p| BuPath::parse(p)).collect());
    let base = Url::parse(&format!("{}/scim/v2", sandbox.url))?;
    let client = ScimClient::new(http.clone(), base.clone()).with_page_size(page_size).with_pages_in_flight(IN_FLIGHT);
    let cache_path = dir.path().join("cache.sqlite");
    let mut cache =
        if encrypted { Cache::open_encrypted(&cache_path, &CacheKey::generate())? } else { Cache::open(&cache_path)? };
    println!("cache: {}", if encrypted { "encrypted (SQLCipher, a random key)" } else { "plain SQLite" });
    // As the app's syncs do: the WAL is checkpointed after the sync, not inside its commit.
    cache.defer_checkpoints()?;
    let (mut user_total, mut group_total, mut saving_at, mut fetched_resident) = (0, 0, None, None);
    let started = Instant::now();
    let plan = SyncPlan { scopes: &scopes, bu_attribute: DEFAULT_BU_ATTRIBUTE, server_grants: false };
    let options = SyncOptions { full: true, paging, ..SyncOptions::default() };
    let mut progress = |p| match p {
        SyncProgress::Users(Fetching { total, .. }) => user_total = total.unwrap_or_default(),
        SyncProgress::Groups(Fetching { total, .. }) => group_total = total.unwrap_or_default(),
        SyncProgress::Saving => {
            saving_at = Some(started.elapsed());
            fetched_resident = resident_memory_kib();
        }
        // A full sync without server grants fetches none, and lists no ids apart from the users.
        SyncProgress::Grants(_) | SyncProgress::UserIds(_) => {}
    };
    let report = sync_plan_with(
        &client,
        &token,
        &mut cache,
        &plan,
        &options,
        chrono::Utc::now(),
        &mut progress,
        &SyncCancel::new(),
    )
    .await?;
    let sync = started.elapsed();
    let fetch = saving_at.unwrap_or(sync);
    println!(
        "full sync: {} users, {} groups, {} memberships in {:.2} s = {:.0} users/s (fetching {:.2} s, writing the cache {:.2} s)",
        report.users,
        report.groups,
        report.memberships,
        sync.as_secs_f64(),
        report.users as f64 / sync.as_secs_f64(),
        fetch.as_secs_f64(),
        (sync - fetch).as_secs_f64()
    );
    if let Some(peak) = peak_memory_kib() {
        println!("  peak resident memory of the full sync: {:.0} MiB", peak as f64 / 1024.0);
    }
    if let Some(resident) = fetched_resident {
        println!("  resident memory once every page was fetched: {:.0} MiB", resident as f64 / 1024.0);
    }
    let checkpoint = timed_checkpoint(&cache)?;
    println!("  then the WAL's checkpoint (the app runs it on a thread of its own): {:.2} s", checkpoint.as_secs_f64());
    if let Some(resident) = resident_memory_kib() {
        println!("  resident memory after the sync: {:.0} MiB", resident as f64 / 1024.0);
    }

    let filter = scope_filter(DEFAULT_BU_ATTRIBUTE, &scopes).ok_or("no scope filter")?;
    let listings = [
        Listing { resource: "Users", total: user_total, filter: Some(&filter), attributes: None, page_size },
        Listing { resource: "Groups", total: group_total, filter: None, attributes: None, page_size },
    ];
    // The sandbox scans its users for a listing's first page and remembers the matches for the
    // pages after it: the sync paid that scan, so `curl` pays it too.
    forget_listings(&http, &base, &token).await?;
    let curl = curl_pages(&base, &token, &listings, dir.path())?;
    let curl_warm = curl_pages(&base, &token, &listings, dir.path())?;
    println!(
        "curl alone, same pages on one connection: {:.2} s, the sandbox's listing cold as the sync found it \
         ({:.2} s again, warm); client fetch / curl = {:.2}, whole sync / curl = {:.2}",
        curl.as_secs_f64(),
        curl_warm.as_secs_f64(),
        fetch.as_secs_f64() / curl.as_secs_f64(),
        sync.as_secs_f64() / curl.as_secs_f64()
    );

    let pages = fetched_pages(&base, &token, &listings[..1], dir.path())?;
    let bytes: usize = pages.iter().map(Vec::len).sum();
    // Each page's text shared by its users, as the sync reads them (the check that a page is
    // UTF-8 is left out of the time).
    let pages = pages.into_iter().map(|page| String::from_utf8(page).map(Arc::new)).collect::<Result<Vec<_>, _>>()?;
    let decoding = timed_on_one_thread(&pages, |text| {
        let page = serde_json::from_str::<ListResponse<&RawValue>>(text)?;
        let attribute = BuAttribute::new(DEFAULT_BU_ATTRIBUTE);
        let read = |json: &RawValue| {
            CachedUser::decode_listed(ListedJson::within(text, json), |summary, json| {
                BuPath::parse(&attribute.of_summary(summary, json)?)
            })
        };
        page.resources.into_iter().map(read).collect::<Result<Vec<_>, _>>().map(|users| users.len())
    })?;
    let as_users = timed_on_one_thread(&pages, |page| {
        serde_json::from_str::<ListResponse<User>>(page).map(|p| p.resources.len())
    })?;
    let parsing = timed_on_one_thread(&pages, |page| serde_json::from_str::<IgnoredAny>(page).map(|_| 0))?;
    println!(
        "the user pages ({:.0} MB) decoded alone on one thread as the sync decodes them: {:.2} s ({:.0} MB/s); \
         into whole Users: {:.2} s; only parsed (serde_json, nothing kept): {:.2} s",
        bytes as f64 / 1e6,
        decoding.as_secs_f64(),
        bytes as f64 / 1e6 / decoding.as_secs_f64(),
        as_users.as_secs_f64(),
        parsing.as_secs_f64()
    );

    incremental_after(ServerChange::Retitle, 0, &http, &client, &base, &token, &mut cache, &scopes, sync, paging)
        .await?;
    if deletions {
        incremental_after(ServerChange::Delete, 50, &http, &client, &base, &token, &mut cache, &scopes, sync, paging)
            .await?;
    }
    // The incremental sync's longest part: every id in the scopes (with its BU), to find deletions.
    let id_attributes = format!("id,{DEFAULT_BU_ATTRIBUTE}");
    let ids = Listing {
        resource: "Users",
        total: user_total,
        filter: Some(&filter),
        attributes: Some(&id_attributes),
        page_size: ID_PAGE_SIZE,
    };
    forget_listings(&http, &base, &token).await?;
    let curl_ids = curl_pages(&base, &token, &[ids], dir.path())?;
    println!("curl alone, the incremental sync's id listing: {:.2} s", curl_ids.as_secs_f64());
    search_workload::search_latency(&cache)?;
    if let Some(peak) = overall_peak_memory_kib() {
        println!(
            "peak resident memory of this process (syncs, cache, and the decoding above): {:.0} MiB",
            peak as f64 / 1024.0
        );
    }
    Ok(())
}

/// What the benchmark does to 1% of the users on the server before an incremental sync.
#[derive(Debug, Clone, Copy)]
enum ServerChange {
    /// A new `title` (PATCH): the sync fetches them as changed.
    Retitle,
    /// DELETE: no listing of changes shows them; the count differs and every id is listed.
    Delete,
}

/// Applies `change` to 1% of the cached users on the server (every hundredth, from `first`),
/// eight requests at a time, then times the incremental sync that brings the cache up to date,
/// against the full sync.
#[allow(clippy::too_many_arguments)] // the benchmark's context, all independent
async fn incremental_after(
    change: ServerChange,
    first: usize,
    http: &reqwest::Client,
    client: &ScimClient,
    base: &Url,
    token: &AccessToken,
    cache: &mut Cache,
    scopes: &Scopes,
    full: Duration,
    paging: Paging,
) -> Result<(), Failure> {
    let total = cache.count_users(&UserQuery::default())?;
    let ids: Vec<String> = cache
        .list_users(&UserQuery { limit: Some(total as u32), ..UserQuery::default() })?
        .into_iter()
        .skip(first)
        .step_by(100)
        .map(|row| row.id)
        .collect();
    let started = Instant::now();
    let requests = futures_util::stream::iter(ids.iter().enumerate())
        .map(|(i, id)| {
            let url = format!("{base}/Users/{id}");
            let request = match change {
                ServerChange::Retitle => {
                    let body = serde_json::json!({
                        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                        "Operations": [{"op": "replace", "path": "title", "value": format!("Benchmarked {i}")}]
                    });
                    http.patch(url).header("content-type", "application/scim+json").body(body.to_string())
                }
                ServerChange::Delete => http.delete(url),
            };
            request.bearer_auth(token.expose()).send()
        })
        .buffer_unordered(8);
    let answers: Vec<_> = requests.collect().await;
    let failed = answers.iter().filter(|a| !a.as_ref().is_ok_and(|r| r.status().is_success())).count();
    if failed > 0 {
        return Err(format!("{failed} of {} requests ({change:?}) were refused", ids.len()).into());
    }
    println!("{change:?}: {} users (1%) on the server in {:.1} s", ids.len(), started.elapsed().as_secs_f64());

    let plan = SyncPlan { scopes, bu_attribute: DEFAULT_BU_ATTRIBUTE, server_grants: false };
    // The default margin (five minutes before the last sync) would ask for every user here:
    // the sandbox created them all seconds before the full sync. A second is margin enough on
    // one machine's clock.
    let options = SyncOptions { since_margin: chrono::Duration::seconds(1), paging, ..SyncOptions::default() };
    let base_memory = reset_peak_memory();
    let started = Instant::now();
    let report =
        sync_plan_with(client, token, cache, &plan, &options, chrono::Utc::now(), &mut |_| {}, &SyncCancel::new())
            .await?;
    let took = started.elapsed();
    println!(
        "incremental sync after {change:?} ({:?}): {} changed, {} removed, {} cached, in {:.2} s = {:.1}% of the full sync{}",
        report.kind,
        report.changed,
        report.removed,
        report.users,
        took.as_secs_f64(),
        100.0 * took.as_secs_f64() / full.as_secs_f64(),
        peak_since(base_memory)
    );
    println!("  then the WAL's checkpoint: {:.2} s", timed_checkpoint(cache)?.as_secs_f64());
    Ok(())
}

/// Makes the sandbox forget the listings it remembers (each write does), changing nothing a
/// sync reads: a group created and deleted.
async fn forget_listings(http: &reqwest::Client, base: &Url, token: &AccessToken) -> Result<(), Failure> {
    let group = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "bench-sync: listings forgotten",
    });
    let created = http
        .post(format!("{base}/Groups"))
        .header("content-type", "application/scim+json")
        .bearer_auth(token.expose())
        .body(group.to_string())
        .send()
        .await?;
    if !created.status().is_success() {
        return Err(format!("the sandbox refused a group: {}", created.status()).into());
    }
    let created: serde_json::Value = created.json().await?;
    let id = created["id"].as_str().ok_or("the sandbox's new group has no id")?;
    let deleted = http.delete(format!("{base}/Groups/{id}")).bearer_auth(token.expose()).send().await?;
    if !deleted.status().is_success() {
        return Err(format!("the sandbox refused to delete its group: {}", deleted.status()).into());
    }
    Ok(())
}

/// How long `Cache::checkpoint` takes, which the app runs after a sync has reported.
fn timed_checkpoint(cache: &Cache) -> Result<Duration, Failure> {
    let started = Instant::now();
    cache.checkpoint()?;
    Ok(started.elapsed())
}

/// One listing for `curl_pages`: a resource type, how many there are, the filter, the attribute
/// selection and the page size.
struct Listing<'a> {
    resource: &'static str,
    total: u64,
    filter: Option<&'a str>,
    attributes: Option<&'a str>,
    page_size: u32,
}

/// The URL of every page of the listings, as the client asks for them.
fn page_urls(base: &Url, listings: &[Listing<'_>]) -> Result<Vec<Url>, Failure> {
    let mut urls = Vec::new();
    for listing in listings {
        let mut start = 1;
        while start <= listing.total.max(1) {
            let mut url = base.clone();
            url.path_segments_mut().map_err(|()| "base URL")?.push(listing.resource);
            if let Some(filter) = listing.filter {
                url.query_pairs_mut().append_pair("filter", filter);
            }
            if let Some(attributes) = listing.attributes {
                url.query_pairs_mut().append_pair("attributes", attributes);
            }
            url.query_pairs_mut()
                .append_pair("startIndex", &start.to_string())
                .append_pair("count", &listing.page_size.to_string());
            urls.push(url);
            start += u64::from(listing.page_size);
        }
    }
    Ok(urls)
}

/// One `curl` fetching every page of the listings (the URLs the client asks for), reusing its
/// connection. The token goes in a config file, not on the command line other users can see.
fn curl_pages(
    base: &Url,
    token: &AccessToken,
    listings: &[Listing<'_>],
    dir: &std::path::Path,
) -> Result<Duration, Failure> {
    let config = dir.join("curl.config");
    let mut file = std::fs::File::create(&config)?;
    writeln!(file, "header = \"Authorization: Bearer {}\"", token.expose())?;
    writeln!(file, "header = \"Accept: application/scim+json\"")?;
    writeln!(file, "silent\nfail")?;
    for url in page_urls(base, listings)? {
        writeln!(file, "url = \"{url}\"\noutput = \"/dev/null\"")?;
    }
    drop(file);
    let started = Instant::now();
    let status = Command::new("curl").arg("--config").arg(&config).stdin(Stdio::null()).status()?;
    let elapsed = started.elapsed();
    if !status.success() {
        return Err(format!("curl failed: {status}").into());
    }
    Ok(elapsed)
}

/// The pages of the listings as the server sends them, fetched by `curl` into files (untimed).
fn fetched_pages(
    base: &Url,
    token: &AccessToken,
    listings: &[Listing<'_>],
    dir: &std::path::Path,
) -> Result<Vec<Vec<u8>>, Failure> {
    let pages_dir = dir.join("pages");
    std::fs::create_dir_all(&pages_dir)?;
    let config = dir.join("curl-pages.config");
    let mut file = std::fs::File::create(&config)?;
    writeln!(file, "header = \"Authorization: Bearer {}\"", token.expose())?;
    writeln!(file, "header = \"Accept: application/scim+json\"")?;
    writeln!(file, "silent\nfail")?;
    let mut paths = Vec::new();
    for url in page_urls(base, listings)? {
        let path = pages_dir.join(format!("{}.json", paths.len()));
        writeln!(file, "url = \"{url}\"\noutput = \"{}\"", path.display())?;
        paths.push(path);
    }
    drop(file);
    let status = Command::new("curl").arg("--config").arg(&config).stdin(Stdio::null()).status()?;
    if !status.success() {
        return Err(format!("curl failed: {status}").into());
    }
    let pages = paths.iter().map(std::fs::read).collect::<Result<Vec<_>, _>>()?;
    std::fs::remove_dir_all(&pages_dir)?;
    Ok(pages)
}

/// The time `decode` takes over every page, one after the other on this thread.
fn timed_on_one_thread<P>(pages: &[P], decode: impl Fn(&P) -> serde_json::Result<usize>) -> Result<Duration, Failure> {
    let started = Instant::now();
    for page in pages {
        std::hint::black_box(decode(page)?);
    }
    Ok(started.elapsed())
}

/// The highest VmHWM read before `reset_peak_memory` cleared it.
static PEAK_BEFORE_RESETS: AtomicU64 = AtomicU64::new(0);

/// Makes VmHWM start again from the resident set now (`/proc/self/clear_refs`, Linux), so that
/// a phase's own peak can be read; returns the resident set it starts from.
fn reset_peak_memory() -> Option<u64> {
    PEAK_BEFORE_RESETS.fetch_max(peak_memory_kib()?, Ordering::Relaxed);
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    resident_memory_kib()
}

/// The peak resident set of the whole run, across the resets.
fn overall_peak_memory_kib() -> Option<u64> {
    Some(peak_memory_kib()?.max(PEAK_BEFORE_RESETS.load(Ordering::Relaxed)))
}

/// The peak resident set since `reset_peak_memory` returned `base`, for a line of the report.
fn peak_since(base: Option<u64>) -> String {
    match (base, peak_memory_kib()) {
        (Some(base), Some(peak)) => {
            format!("; peak resident {:.0} MiB ({:.0} MiB before it)", peak as f64 / 1024.0, base as f64 / 1024.0)
        }
        _ => String::new(),
    }
}

/// VmHWM: the peak resident set of this process (Linux).
fn peak_memory_kib() -> Option<u64> {
    status_kib("VmHWM:")
}

/// VmRSS: the resident set of this process now (Linux).
fn resident_memory_kib() -> Option<u64> {
    status_kib("VmRSS:")
}

/// A figure of /proc/self/status, in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
