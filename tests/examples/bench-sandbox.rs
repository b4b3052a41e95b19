//! Benchmark of the sandbox IAM at scale (issue 3), printing figures; not a test. Run from the
//! workspace root, after building the sandbox:
//!
//! ```sh
//! cargo build -p bailiwick-sandbox
//! cargo run -p bailiwick-tests --example bench-sandbox -- 1000000 [PAGE_SIZE, default 1000]
//! ```
//!
//! It seeds `target/debug/bailiwick-sandbox --users N` into a temporary SQLite file (generation,
//! storage and loading), restarts it from that file (loading alone), signs in as gina.global
//! (every region), and reads every user in pages of PAGE_SIZE on one loopback connection three
//! ways: by `startIndex`, by `startIndex` with the scope filter the desktop's sync sends, and by
//! RFC 9865 cursor. It prints users/s for each and the sandbox's memory.

use std::process::Command;
use std::time::{Duration, Instant};

use bailiwick_core::directory::scope_filter;
use bailiwick_core::profile::DEFAULT_BU_ATTRIBUTE;
use bailiwick_core::{BuPath, Scopes};
use bailiwick_tests::{binary, Server};
use url::Url;

#[path = "shared/sandbox_child.rs"]
mod sandbox_child;
#[path = "shared/sign_in.rs"]
mod sign_in;
use sign_in::sign_in;

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let users: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000_000);
    let page_size: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("sandbox.sqlite");
    let sandbox_at = |data: &std::path::Path| {
        let mut command = Command::new(binary("bailiwick-sandbox"));
        command.args(["--port", "0", "--users", &users.to_string(), "--data"]).arg(data);
        command.env("RUST_LOG", "warn");
        sandbox_child::dies_with_this_process(&mut command);
        command
    };

    let started = Instant::now();
    let seeded = Server::spawn("bailiwick-sandbox", sandbox_at(&data), Duration::from_secs(3600));
    let seeding = started.elapsed();
    println!(
        "seeded {users} synthetic users (generated, stored in SQLite, loaded) in {:.1} s = {:.0} users/s; \
         sandbox memory {}",
        seeding.as_secs_f64(),
        users as f64 / seeding.as_secs_f64(),
        memory(seeded.pid())
    );
    drop(seeded);
    println!("state file: {:.0} MiB", std::fs::metadata(&data)?.len() as f64 / 1_048_576.0);

    let started = Instant::now();
    let sandbox = Server::spawn("bailiwick-sandbox", sandbox_at(&data), Duration::from_secs(3600));
    println!("restarted from the file in {:.1} s", started.elapsed().as_secs_f64());

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(300))
        .pool_max_idle_per_host(1)
        .build()?;
    let token = sign_in(&http, &sandbox.url, "gina.global").await?;
    let users_url = Url::parse(&format!("{}/scim/v2/Users", sandbox.url))?;
    let scopes = Scopes::new(["EMEA", "AMER", "APAC"].iter().filter_map(|p| BuPath::parse(p)).collect());
    let filter = scope_filter(DEFAULT_BU_ATTRIBUTE, &scopes).ok_or("no scope filter")?;

    for (what, filter) in [("by startIndex", None), ("by startIndex, scope filter", Some(filter.as_str()))] {
        let started = Instant::now();
        let (mut read, mut bytes, mut start) = (0usize, 0usize, 1usize);
        let mut slowest = Duration::ZERO;
        let total = loop {
            let mut url = users_url.clone();
            if let Some(filter) = filter {
                url.query_pairs_mut().append_pair("filter", filter);
            }
            url.query_pairs_mut()
                .append_pair("startIndex", &start.to_string())
                .append_pair("count", &page_size.to_string());
            let page_started = Instant::now();
            let body = http.get(url).bearer_auth(&token).send().await?.error_for_status()?.bytes().await?;
            slowest = slowest.max(page_started.elapsed());
            let body = std::str::from_utf8(&body)?;
            let listed = number_field(body, "itemsPerPage").unwrap_or_default() as usize;
            let total = number_field(body, "totalResults");
            bytes += body.len();
            read += listed;
            start += listed;
            if listed == 0 || total.is_some_and(|t| read as u64 >= t) {
                break total;
            }
        };
        report(what, read, total, bytes, started.elapsed(), slowest);
    }

    let started = Instant::now();
    let (mut read, mut bytes, mut cursor) = (0usize, 0usize, String::new());
    let mut slowest = Duration::ZERO;
    let total = loop {
        let mut url = users_url.clone();
        url.query_pairs_mut().append_pair("cursor", &cursor).append_pair("count", &page_size.to_string());
        let page_started = Instant::now();
        let body = http.get(url).bearer_auth(&token).send().await?.error_for_status()?.bytes().await?;
        slowest = slowest.max(page_started.elapsed());
        let body = std::str::from_utf8(&body)?;
        read += number_field(body, "itemsPerPage").unwrap_or_default() as usize;
        bytes += body.len();
        match string_field(body, "nextCursor") {
            Some(next) => cursor = next.to_owned(),
            None => break number_field(body, "totalResults"),
        }
    };
    report("by cursor (RFC 9865)", read, total, bytes, started.elapsed(), slowest);
    println!("sandbox memory after serving: {}", memory(sandbox.pid()));
    Ok(())
}

/// A number the list response has before its `Resources`, found without parsing the page: this
/// bench measures the server, and parsing a megabyte per page in an unoptimised build would
/// measure the client instead.
fn number_field(body: &str, name: &str) -> Option<u64> {
    let rest = &body[body.find(&format!("\"{name}\":"))? + name.len() + 3..];
    rest[..rest.find(|c: char| !c.is_ascii_digit())?].parse().ok()
}

fn string_field<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let resources = body.find("\"Resources\"").unwrap_or(body.len());
    let rest = &body[body[..resources].find(&format!("\"{name}\":\""))? + name.len() + 4..];
    rest.split('"').next()
}

fn report(what: &str, read: usize, total: Option<u64>, bytes: usize, took: Duration, slowest: Duration) {
    println!(
        "served {read} of {} users {what}: {:.2} s = {:.0} users/s, {:.0} MiB/s, slowest page {:.0} ms",
        total.unwrap_or_default(),
        took.as_secs_f64(),
        read as f64 / took.as_secs_f64(),
        bytes as f64 / 1_048_576.0 / took.as_secs_f64(),
        slowest.as_secs_f64() * 1000.0
    );
}

/// Current and peak resident memory of a process (Linux /proc).
fn memory(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or("?".to_owned(), |kib| format!("{:.0} MiB", kib / 1024.0))
    };
    format!("{} resident, {} peak", field("VmRSS:"), field("VmHWM:"))
}
