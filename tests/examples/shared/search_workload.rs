//! Search as you type over a cache, timed the way the users table asks: a first page of 50
//! rows, then the count. Shared by bench-sync and bench-search.

use std::time::{Duration, Instant};

use bailiwick_core::cache::{Cache, UserQuery, UserType};
use bailiwick_core::BuPath;

const SEARCHES: usize = 300;
const PAGE: u32 = 50;

/// Terms a user types that match a large share of the directory or nothing at all: every
/// synthetic e-mail holds "northwind", one or two letters go through LIKE, "emea" is a region.
const HARD_TERMS: &[&str] = &["a", "an", "ann", "northwind", "insurance", "emea", "er", "zzqx", "smi"];

/// 3- to 6-letter prefixes of cached names and two-term queries, each a first page plus the
/// count, with their p50 and p95; then the hard terms one by one.
pub fn search_latency(cache: &Cache) -> Result<(), Box<dyn std::error::Error>> {
    let total = cache.count_users(&UserQuery::default())?;
    let sample = cache.list_users(&UserQuery {
        limit: Some(SEARCHES as u32),
        offset: (total / 3) as u32,
        ..UserQuery::default()
    })?;
    let mut queries: Vec<String> = Vec::new();
    for (i, row) in sample.iter().enumerate() {
        let words: Vec<&str> = row.display_name.split_whitespace().collect();
        let first = words.first().copied().unwrap_or(&row.user_name);
        let prefix = |w: &str, n: usize| w.chars().take(n).collect::<String>();
        queries.push(match (i % 3, words.get(1)) {
            (0, Some(last)) => format!("{} {}", prefix(first, 3), prefix(last, 3)),
            (1, _) => prefix(&row.user_name, 4 + i % 3),
            _ => prefix(first, 3),
        });
    }
    let (mut page_times, mut count_times) = (Vec::new(), Vec::new());
    let mut found = 0;
    for text in &queries {
        let (page, count, rows) = page_and_count(cache, text)?;
        found += rows;
        page_times.push(page);
        count_times.push(count);
    }
    let both: Vec<Duration> = page_times.iter().zip(&count_times).map(|(a, b)| *a + *b).collect();
    println!(
        "search over {total} cached users, {} queries ({found} rows): first page p50 {:.2} ms p95 {:.2} ms; \
         count p50 {:.2} ms p95 {:.2} ms; page + count p50 {:.2} ms p95 {:.2} ms",
        queries.len(),
        percentile(&page_times, 50),
        percentile(&page_times, 95),
        percentile(&count_times, 50),
        percentile(&count_times, 95),
        percentile(&both, 50),
        percentile(&both, 95)
    );
    for text in HARD_TERMS {
        let query = UserQuery { search: Some((*text).to_owned()), ..UserQuery::default() };
        let counted = cache.count_users_capped(&query)?;
        let (page, count, _) = page_and_count(cache, text)?;
        let counted = format!("{}{}", counted.count, if counted.more { "+" } else { "" });
        println!("  {text:>14}: {counted:>7} matches; first page {:.2} ms, count {:.2} ms", ms(page), ms(count));
    }
    // The BU filter: each BU and each region, as the filter's tree offers them.
    let mut subtrees: Vec<String> = cache.business_units()?.into_iter().map(|unit| unit.bu).collect();
    let regions: std::collections::BTreeSet<String> =
        subtrees.iter().filter_map(|bu| bu.split('/').next().map(str::to_owned)).collect();
    subtrees.extend(regions);
    let mut bu_pages = Vec::new();
    for bu in &subtrees {
        let query = UserQuery { bu: BuPath::parse(bu), limit: Some(PAGE), ..UserQuery::default() };
        let started = Instant::now();
        cache.list_users(&query)?;
        let page = started.elapsed();
        cache.count_users_capped(&query)?;
        bu_pages.push((page, started.elapsed(), bu));
    }
    if let (Some(slowest), Some(slowest_both)) = (bu_pages.iter().max(), bu_pages.iter().max_by_key(|p| p.1)) {
        println!(
            "  BU filter over {} BUs and regions: first page p50 {:.2} ms, slowest {:.2} ms ({}); page + count slowest {:.2} ms ({})",
            bu_pages.len(),
            percentile(&bu_pages.iter().map(|p| p.0).collect::<Vec<_>>(), 50),
            ms(slowest.0),
            slowest.2,
            ms(slowest_both.1),
            slowest_both.2
        );
    }
    let filters: [(&str, UserQuery); 5] = [
        ("BU EMEA", UserQuery { bu: BuPath::parse("EMEA"), ..UserQuery::default() }),
        ("BU APAC/JP", UserQuery { bu: BuPath::parse("APAC/JP"), ..UserQuery::default() }),
        ("partners", UserQuery { user_type: Some(UserType::Partner), ..UserQuery::default() }),
        ("disabled", UserQuery { active: Some(false), ..UserQuery::default() }),
        (
            "ann in EMEA/DE",
            UserQuery { search: Some("ann".into()), bu: BuPath::parse("EMEA/DE"), ..UserQuery::default() },
        ),
    ];
    for (name, query) in filters {
        let started = Instant::now();
        cache.list_users(&UserQuery { limit: Some(PAGE), ..query.clone() })?;
        let page = started.elapsed();
        let started = Instant::now();
        let counted = cache.count_users_capped(&query)?;
        let count = started.elapsed();
        let counted = format!("{}{}", counted.count, if counted.more { "+" } else { "" });
        println!("  {name:>14}: {counted:>7} matches; first page {:.2} ms, count {:.2} ms", ms(page), ms(count));
    }
    deep_pages(cache)
}

/// A jump through the table: a page 10%, 50% and 90% down the list of everyone, and down the
/// matches of a search (the table asks for the page under the scrollbar, not the ones before).
fn deep_pages(cache: &Cache) -> Result<(), Box<dyn std::error::Error>> {
    let everyone = cache.count_users(&UserQuery::default())?;
    for (name, query, total) in [
        ("everyone", UserQuery::default(), everyone),
        ("northwind", UserQuery { search: Some("northwind".into()), ..UserQuery::default() }, everyone),
    ] {
        let mut figures = Vec::new();
        for percent in [10, 50, 90] {
            let offset = u32::try_from(total * percent / 100)?;
            let started = Instant::now();
            let rows = cache.list_users(&UserQuery { limit: Some(PAGE), offset, ..query.clone() })?.len();
            figures.push(format!("{percent}% down {:.2} ms ({rows} rows)", ms(started.elapsed())));
        }
        println!("  {name:>14}: a page {}", figures.join(", "));
    }
    Ok(())
}

fn page_and_count(cache: &Cache, text: &str) -> Result<(Duration, Duration, usize), Box<dyn std::error::Error>> {
    let query = UserQuery { search: Some(text.to_owned()), limit: Some(PAGE), ..UserQuery::default() };
    let started = Instant::now();
    let rows = cache.list_users(&query)?.len();
    let page = started.elapsed();
    let started = Instant::now();
    cache.count_users_capped(&query)?;
    Ok((page, started.elapsed(), rows))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn percentile(times: &[Duration], p: usize) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort();
    let index = (sorted.len() * p / 100).min(sorted.len().saturating_sub(1));
    sorted.get(index).map_or(0.0, |d| ms(*d))
}
