//! The rowid order of users is their list order, through every kind of write (see
//! `user_order`), and lists and searches read pages in that order without sorting.

use std::collections::HashSet;

use bailiwick_scim::User;
use chrono::TimeZone;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::*;
use crate::audit::{AuditRecord, Outcome};
use crate::scope::BuPath;

fn user(id: &str, user_name: &str, display: &str) -> CachedUser {
    let resource: User = serde_json::from_value(json!({
        "id": id,
        "userName": user_name,
        "displayName": display,
        "emails": [{"value": format!("{user_name}@example.com"), "primary": true}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "EMEA/DE"}
    }))
    .expect("valid user");
    CachedUser::new(&resource, BuPath::parse("EMEA/DE")).expect("serialises")
}

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 9, minute % 60, 0).single().expect("valid time")
}

/// Ids in rowid order and in the order SQL sorts them: they must be the same.
fn orders(cache: &Cache) -> (Vec<String>, Vec<String>) {
    let ids = |sql: &str| -> Vec<String> {
        let mut statement = cache.conn.prepare(sql).expect("prepares");
        let rows = statement.query_map([], |row| row.get(0)).expect("queries");
        rows.collect::<Result<_, _>>().expect("reads")
    };
    (
        ids("SELECT id FROM users ORDER BY rowid"),
        ids("SELECT id FROM users ORDER BY display_name COLLATE NOCASE, user_name COLLATE NOCASE, id"),
    )
}

fn assert_in_list_order(cache: &Cache, context: &str) {
    let (by_rowid, sorted) = orders(cache);
    assert_eq!(by_rowid, sorted, "{context}: rowid order is the list order");
    let negative: i64 =
        cache.conn.query_row("SELECT count(*) FROM users WHERE rowid <= 0", [], |r| r.get(0)).expect("counts");
    assert_eq!(negative, 0, "{context}: no user left aside");
}

fn search(cache: &Cache, text: &str) -> Vec<String> {
    let query = UserQuery { search: Some(text.into()), ..UserQuery::default() };
    cache.list_users(&query).expect("searches").into_iter().map(|r| r.id).collect()
}

/// Case and the NOCASE collation's ASCII-only folding: "Émile" sorts by its bytes, after "z".
const NAMES: &[&str] = &["anna", "Anna", "ANNA", "bruno", "Émile", "zoë", "Zoe", "émile", "a", "b", "Ann", "annA"];

fn random_user(rng: &mut StdRng, id: usize) -> CachedUser {
    let display = format!("{} {}", NAMES[rng.gen_range(0..NAMES.len())], NAMES[rng.gen_range(0..NAMES.len())]);
    let user_name = format!("{}{}", NAMES[rng.gen_range(0..NAMES.len())].to_lowercase(), rng.gen_range(0..5));
    user(&format!("u{id:03}"), &user_name, &display)
}

#[test]
fn the_rust_sort_key_compares_as_sqlite_nocase_does() {
    let cache = Cache::open_in_memory().expect("opens");
    let mut rng = StdRng::seed_from_u64(7);
    let users: Vec<CachedUser> = (0..300).map(|i| random_user(&mut rng, i)).collect();
    let mut cache = cache;
    cache.replace_directory(users.to_vec(), &[], at(0)).expect("replaces");
    assert_in_list_order(&cache, "after a full replace");
}

#[test]
fn incremental_syncs_keep_the_list_order_through_adds_renames_and_removals() {
    let mut cache = Cache::open_in_memory().expect("opens");
    let mut rng = StdRng::seed_from_u64(11);
    let mut live: Vec<CachedUser> = (0..60).map(|i| random_user(&mut rng, i)).collect();
    cache.replace_directory(live.to_vec(), &[], at(0)).expect("replaces");
    let mut next_id = 60;
    for round in 0..25 {
        let mut upserts = Vec::new();
        for _ in 0..rng.gen_range(1..12) {
            match rng.gen_range(0..3) {
                0 => {
                    let added = random_user(&mut rng, next_id);
                    next_id += 1;
                    live.push(added.clone());
                    upserts.push(added);
                }
                1 if !live.is_empty() => {
                    let at = rng.gen_range(0..live.len());
                    let id = live[at].id().expect("an id").to_owned();
                    let renamed = random_user(&mut rng, 0).edited(|u| u.id = Some(id));
                    live[at] = renamed.clone();
                    upserts.push(renamed);
                }
                _ if !live.is_empty() => {
                    live.remove(rng.gen_range(0..live.len()));
                }
                _ => {}
            }
        }
        let live_ids: HashSet<String> = live.iter().filter_map(|u| u.id().map(str::to_owned)).collect();
        let sync = IncrementalSync {
            upserts: &upserts,
            live_ids: Some(&live_ids),
            gone: None,
            groups: &[],
            server_grants: None,
            scope_key: "s",
            everyone_listed: None,
        };
        cache.apply_incremental_sync(&sync, at(round)).expect("applies");
        assert_in_list_order(&cache, &format!("round {round}"));
        for cached in &live {
            let id = cached.id().expect("an id").to_owned();
            let hits = search(&cache, &format!("{}@example", cached.user_name()));
            assert!(hits.contains(&id), "round {round}: {id} is found by its e-mail");
        }
    }
}

#[test]
fn a_used_up_gap_renumbers_every_user_and_the_search_follows() {
    let mut cache = Cache::open_in_memory().expect("opens");
    let ends = [user("first", "a", "Aaron"), user("last", "z", "Zelda")];
    cache.replace_directory(ends.to_vec(), &[], at(0)).expect("replaces");
    // Each new user goes just before Zelda: one sync at a time, each halves the gap left.
    for n in 0..40 {
        let added = user(&format!("m{n:02}"), &format!("m{n:02}"), &format!("M {n:02}"));
        let record = AuditRecord {
            actor: "ada".into(),
            action: "user.add".into(),
            target: format!("user m{n:02}"),
            before: None,
            after: None,
            outcome: Some(Outcome::Applied),
            rule: None,
            detail: None,
            op_id: None,
        };
        cache.apply_local(Some(DirectoryChange::User(Box::new(added))), record, at(n)).expect("applies");
        assert_in_list_order(&cache, &format!("after adding m{n:02}"));
    }
    // Zelda was 2 * GAP after the full replace; only numbering everyone afresh moves her.
    let zelda: i64 =
        cache.conn.query_row("SELECT rowid FROM users WHERE id = 'last'", [], |r| r.get(0)).expect("reads");
    assert!(zelda > 2 * user_order::GAP, "the gap before Zelda was used up and everyone renumbered ({zelda})");
    assert_eq!(search(&cache, "m07"), ["m07"], "the search index follows the new numbers");
    assert_eq!(search(&cache, "zelda"), ["last"]);
    assert_eq!(cache.list_users(&UserQuery::default()).expect("lists").len(), 42);
}

/// The steps of the query plan for a page of `query`.
fn page_plan(cache: &Cache, query: &UserQuery, bus: Option<&[String]>) -> Vec<String> {
    let mut selection = users::user_selection(query, bus);
    selection.values.extend([rusqlite::types::Value::Integer(10), rusqlite::types::Value::Integer(0)]);
    let sql = format!("EXPLAIN QUERY PLAN {}", users::page_sql(&selection, "u.id"));
    let mut statement = cache.conn.prepare(&sql).expect("prepares");
    let rows = statement.query_map(rusqlite::params_from_iter(selection.values), |row| row.get(3)).expect("plans");
    rows.collect::<Result<_, _>>().expect("reads")
}

fn sorts_nothing(plan: &[String]) -> bool {
    !plan.iter().any(|step| step.contains("TEMP B-TREE"))
}

#[test]
fn pages_of_users_and_of_matches_are_read_in_rowid_order_without_sorting() {
    let mut cache = Cache::open_in_memory().expect("opens");
    let users: Vec<CachedUser> =
        (0..50).map(|i| user(&format!("u{i}"), &format!("user{i:02}"), &format!("Person {:02}", 49 - i))).collect();
    cache.replace_directory(users.to_vec(), &[], at(0)).expect("replaces");
    for search in [None, Some("person"), Some("pe rs")] {
        let query = UserQuery { search: search.map(Into::into), limit: Some(10), offset: 5, ..UserQuery::default() };
        let plan = page_plan(&cache, &query, None);
        assert!(sorts_nothing(&plan), "{search:?} sorts nothing: {plan:?}");
        let page = cache.list_users(&query).expect("lists");
        let names: Vec<&str> = page.iter().map(|r| r.display_name.as_str()).collect();
        let expected: Vec<String> = (5..15).map(|n| format!("Person {n:02}")).collect();
        assert_eq!(names, expected, "{search:?}: the sixth to fifteenth by name");
    }
    for query in [
        UserQuery { user_type: Some(UserType::Partner), ..UserQuery::default() },
        UserQuery { active: Some(false), ..UserQuery::default() },
        UserQuery { bu: BuPath::parse("EMEA/DE"), ..UserQuery::default() },
    ] {
        let one_bu = ["EMEA/DE".to_owned()];
        let plan = page_plan(&cache, &query, query.bu.as_ref().map(|_| &one_bu[..]));
        assert!(sorts_nothing(&plan), "{query:?} sorts nothing: {plan:?}");
    }
}

#[test]
fn deep_pages_step_over_the_users_before_them_in_an_index_not_the_table() {
    let mut cache = Cache::open_in_memory().expect("opens");
    let users: Vec<CachedUser> = (0..60)
        .map(|i| {
            let cached = user(&format!("u{i:02}"), &format!("user{i:02}"), &format!("Person {:02}", (i * 7) % 60));
            cached.edited(|u| u.active = Some(i % 3 != 0))
        })
        .collect();
    cache.replace_directory(users, &[], at(0)).expect("replaces");
    for search in [None, Some("person")] {
        let everyone = UserQuery { search: search.map(Into::into), ..UserQuery::default() };
        let plan = page_plan(&cache, &everyone, None);
        // A full scan of the table ("SCAN u") would read every earlier user's row to skip it.
        assert!(!plan.iter().any(|step| step == "SCAN u"), "{search:?} does not walk the table: {plan:?}");
        assert!(sorts_nothing(&plan), "{search:?} sorts nothing: {plan:?}");
        // Page by page, active and inactive users alike, in name order: the whole list once.
        let mut paged = Vec::new();
        for offset in (0..63).step_by(7) {
            let page = UserQuery { limit: Some(7), offset, ..everyone.clone() };
            paged.extend(cache.list_users(&page).expect("lists").into_iter().map(|r| r.display_name));
        }
        let expected: Vec<String> = (0..60).map(|n| format!("Person {n:02}")).collect();
        assert_eq!(paged, expected, "{search:?}");
    }
    let unfiltered = page_plan(&cache, &UserQuery::default(), None);
    assert!(unfiltered.iter().any(|step| step.contains("COVERING INDEX users_by_active")), "{unfiltered:?}");
}

#[test]
fn a_bu_filter_merges_its_bus_in_order_and_matches_the_range_it_stands_for() {
    let mut cache = Cache::open_in_memory().expect("opens");
    let bus = ["EMEA", "EMEA/DE", "EMEA/DE/Berlin", "EMEA/FR", "EMEAX", "AMER/US"];
    let users: Vec<CachedUser> = (0..120)
        .map(|i| {
            let mut cached =
                user(&format!("u{i:03}"), &format!("user{i:03}"), &format!("Person {:03}", (i * 37) % 120));
            cached.bu = BuPath::parse(bus[i % bus.len()]);
            cached
        })
        .collect();
    cache.replace_directory(users.to_vec(), &[], at(0)).expect("replaces");
    let emea = BuPath::parse("EMEA").expect("a path");
    let found = cache.bus_in_subtree(&emea).expect("seeks");
    assert_eq!(found, Some(vec!["EMEA".into(), "EMEA/DE".into(), "EMEA/DE/Berlin".into(), "EMEA/FR".into()]));
    let query =
        UserQuery { bu: Some(emea.clone()), active: Some(true), limit: Some(15), offset: 10, ..UserQuery::default() };
    let plan = page_plan(&cache, &query, found.as_deref());
    assert!(sorts_nothing(&plan), "the arms are merged, not sorted: {plan:?}");

    let merged = cache.list_users(&query).expect("lists");
    // The same page through the range over the subtree, sorted by SQL.
    let mut range = users::user_selection(&query, None);
    range.values.extend([rusqlite::types::Value::Integer(15), rusqlite::types::Value::Integer(10)]);
    let sql = format!("{} ", users::page_sql(&range, "u.id"))
        .replace("ORDER BY u.rowid", "ORDER BY u.display_name COLLATE NOCASE, u.user_name COLLATE NOCASE, u.id");
    let mut statement = cache.conn.prepare(&sql).expect("prepares");
    let expected: Vec<String> = statement
        .query_map(rusqlite::params_from_iter(range.values), |row| row.get(0))
        .expect("queries")
        .collect::<Result<_, _>>()
        .expect("reads");
    assert_eq!(merged.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), expected);
    assert_eq!(merged.len(), 15);
    assert!(merged.iter().all(|r| r.bu.as_deref().is_some_and(|bu| bu == "EMEA" || bu.starts_with("EMEA/"))));

    let nowhere = UserQuery { bu: BuPath::parse("APAC"), ..UserQuery::default() };
    assert_eq!(cache.bus_in_subtree(&BuPath::parse("APAC").expect("a path")).expect("seeks"), Some(vec![]));
    assert!(cache.list_users(&nowhere).expect("lists").is_empty());
}

#[test]
fn counts_stop_at_the_cap_and_say_more_match() {
    let mut cache = Cache::open_in_memory().expect("opens");
    let many = COUNT_CAP as usize + 1;
    let users: Vec<CachedUser> =
        (0..many).map(|i| user(&format!("u{i}"), &format!("user{i:05}"), "Same Name")).collect();
    cache.replace_directory(users.to_vec(), &[], at(0)).expect("replaces");
    let all = UserQuery { search: Some("same".into()), ..UserQuery::default() };
    assert_eq!(cache.count_users_capped(&all).expect("counts"), MatchCount { count: COUNT_CAP, more: true });
    assert_eq!(cache.count_users(&all).expect("counts"), many as u64, "the exact count is still there");
    let few = UserQuery { search: Some("user0000".into()), ..UserQuery::default() };
    assert_eq!(cache.count_users_capped(&few).expect("counts"), MatchCount { count: 10, more: false });
}

/// A version 4 cache file of three users, one of them in a role, plus `extra` SQL.
fn version_four_cache(path: &std::path::Path, extra: &str) {
    let conn = Connection::open(path).expect("raw open");
    for sql in &MIGRATIONS[..4] {
        conn.execute_batch(sql).expect("schema 4");
    }
    conn.execute_batch(&format!(
        "INSERT INTO users (id, user_name, display_name, bu, user_type, active, raw) VALUES
             ('1', 'zoe', 'Zoe', 'EMEA', 'employee', 1, '{{}}'),
             ('2', 'anna', 'anna', 'EMEA', 'employee', 1, '{{}}'),
             ('3', 'bob', 'Bob', 'EMEA', 'employee', 1, '{{}}');
         INSERT INTO users_search (rowid, doc) SELECT rowid, user_name || char(10) || display_name FROM users;
         INSERT INTO groups (id, display_name, raw) VALUES ('g1', 'Compliance Reviewer', '{{}}');
         INSERT INTO memberships (group_id, user_id) VALUES ('g1', '1');
         {extra}
         PRAGMA user_version = 4;"
    ))
    .expect("a version 4 cache");
}

#[test]
fn a_version_four_cache_is_renumbered_in_list_order_and_keeps_its_memberships() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    version_four_cache(&path, "");
    let cache = Cache::open(&path).expect("migrates");
    assert_in_list_order(&cache, "after the migration");
    assert_eq!(orders(&cache).0, ["2", "3", "1"]);
    let rowids: Vec<i64> = {
        let mut statement = cache.conn.prepare("SELECT rowid FROM users ORDER BY rowid").expect("prepares");
        let rows = statement.query_map([], |row| row.get(0)).expect("queries");
        rows.collect::<Result<_, _>>().expect("reads")
    };
    assert_eq!(rowids, [user_order::GAP, 2 * user_order::GAP, 3 * user_order::GAP], "numbered as a full sync numbers");
    assert_eq!(search(&cache, "zoe"), ["1"], "the search index follows the new rowids");
    assert_eq!(cache.roles_of("1").expect("reads"), ["Compliance Reviewer"], "the membership survived the copy");
    let foreign_keys: i64 = cache.conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).expect("reads");
    assert_eq!(foreign_keys, 1, "foreign keys are on again after migrating");
    let mut cache = cache;
    cache.clear_directory().expect("clears");
    let memberships: i64 = cache.conn.query_row("SELECT count(*) FROM memberships", [], |r| r.get(0)).expect("counts");
    assert_eq!(memberships, 0, "memberships still follow their users");
}

#[test]
fn a_migration_that_would_leave_a_dangling_membership_is_refused_and_the_file_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    // Written with foreign keys off, as a damaged file could hold it.
    version_four_cache(
        &path,
        "PRAGMA foreign_keys = OFF; INSERT INTO memberships (group_id, user_id) VALUES ('g1', 'gone');",
    );
    let Err(error) = Cache::open(&path) else { panic!("a dangling membership must be refused") };
    assert!(matches!(&error, Error::CacheMigration { version, .. } if *version == super::SCHEMA_VERSION), "{error:?}");
    assert!(
        error.to_string().contains("memberships has a row pointing at a missing users row"),
        "names what is wrong: {error}"
    );
    let conn = Connection::open(&path).expect("raw open");
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
    assert_eq!(version, 4, "rolled back");
    let users: i64 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0)).expect("counts");
    assert_eq!(users, 3);
}

#[test]
fn renumbering_never_meets_a_number_in_use_by_a_user_set_aside() {
    let mut cache = Cache::open_in_memory().expect("opens");
    cache.replace_directory(vec![user("a", "a", "Alma"), user("b", "b", "Bea")], &[], at(0)).expect("replaces");
    // A used-up gap leaves neighbours one apart: Bea right after Alma, and last.
    cache
        .conn
        .execute_batch("UPDATE users SET rowid = 1 WHERE id = 'a'; UPDATE users SET rowid = 2 WHERE id = 'b';")
        .expect("squeezes");
    // Bea is renamed (set aside at -2), and a new user takes the next free number, 2.
    user_order::set_aside(&cache.conn, "b").expect("sets aside");
    upsert_user_row(&cache.conn, &user("c", "c", "Cleo"), None).expect("inserts");
    let taken: i64 = cache.conn.query_row("SELECT rowid FROM users WHERE id = 'c'", [], |r| r.get(0)).expect("reads");
    assert_eq!(taken, 2, "the number Bea had");
    user_order::renumber_all(&cache.conn).expect("renumbers without a collision");
    assert_in_list_order(&cache, "after renumbering");
    assert_eq!(orders(&cache).0, ["a", "b", "c"]);
}

#[test]
fn the_bulk_insert_cache_grows_with_the_users_within_bounds() {
    assert_eq!(bulk_cache_size(1_000), CACHE_SIZE, "a small sync keeps the usual cache");
    assert_eq!(bulk_cache_size(100_000), -200_000, "about 2 KiB a user");
    assert_eq!(bulk_cache_size(1_000_000), -524_288, "never more than 512 MiB");
}

proptest::proptest! {
    /// Sorting by the encoded keys changes no order: names drawn from few letters in both cases,
    /// NUL and a non-ASCII letter share long prefixes, differ only in case, or end early.
    #[test]
    fn sorting_by_encoded_keys_orders_as_comparing_the_keys_does(
        names in proptest::collection::vec(("[aAbB\u{0}é ]{0,11}", "[aAb\u{0}]{0,3}", "[0-9a-f]{1,3}"), 0..120),
    ) {
        // Ids are unique, as the users' are: no two keys are equal.
        let key = |(at, (display_name, user_name, id)): (usize, &(String, String, String))| SortKey {
            display_name: Cow::Owned(display_name.clone()),
            user_name: Cow::Owned(user_name.clone()),
            id: Cow::Owned(format!("{id}.{at}")),
        };
        let mut sorted: Vec<(SortKey<'_>, usize)> = names.iter().enumerate().map(key).zip(0..).collect();
        user_order::sort_by_key(&mut sorted);
        let mut expected: Vec<SortKey<'_>> = names.iter().enumerate().map(key).collect();
        expected.sort();
        let keys: Vec<SortKey<'_>> = sorted.iter().map(|(key, _)| key.clone()).collect();
        proptest::prop_assert_eq!(keys, expected);
        let mut items: Vec<usize> = sorted.iter().map(|(_, item)| *item).collect();
        items.sort_unstable();
        proptest::prop_assert_eq!(items, (0..names.len()).collect::<Vec<_>>(), "every item once");
    }
}
