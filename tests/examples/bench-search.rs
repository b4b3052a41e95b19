//! Benchmark of search as you type over a large cache (issue 5), printing figures; not a test.
//! Run from the workspace root:
//!
//! ```sh
//! cargo run --profile bench -p bailiwick-tests --example bench-search -- 1000000 [CACHE_FILE]
//! ```
//!
//! It fills a cache with N of the sandbox's synthetic users (the names, BUs and e-mails the
//! sandbox seeds; no HTTP, so a million users take about two minutes instead of the four a
//! sync from the sandbox needs), then times searches as the users table makes them. Given a
//! CACHE_FILE that already holds N users, it reuses it and only searches.

use std::time::Instant;

use bailiwick_core::cache::{Cache, CachedUser, UserQuery};
use bailiwick_core::BuPath;
use bailiwick_sandbox::seed::synthetic_user;

#[path = "shared/search_workload.rs"]
mod search_workload;

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let users: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let path = args.next().map_or_else(|| dir.path().join("cache.sqlite"), Into::into);
    let mut cache = Cache::open(&path)?;
    let cached = cache.count_users(&UserQuery::default())?;
    if cached == users as u64 {
        println!("reusing {} with {cached} users", path.display());
    } else {
        let started = Instant::now();
        let directory = (0..users).map(cached_user).collect::<Result<Vec<_>, _>>()?;
        let generated = started.elapsed();
        cache.replace_directory(directory, &[], chrono::Utc::now())?;
        println!(
            "cached {users} synthetic users in {:.1} s (generating {:.1} s)",
            started.elapsed().as_secs_f64(),
            generated.as_secs_f64()
        );
    }
    search_workload::search_latency(&cache)?;
    Ok(())
}

fn cached_user(index: usize) -> Result<CachedUser, serde_json::Error> {
    let seed = synthetic_user(index);
    let json = bailiwick_sandbox::user_resource(&seed).to_string().into_boxed_str();
    CachedUser::decode(json, |_, _| BuPath::parse(&seed.division))
}
