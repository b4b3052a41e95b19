use bailiwick_scim::{Group, Member, User};
use std::collections::HashSet;

use chrono::TimeZone;
use serde_json::{json, Value};

use super::*;
use crate::admin::Capability;
use crate::scope::BuPath;
use crate::scope::Scopes;

fn bu(path: &str) -> BuPath {
    BuPath::parse(path).expect("valid path")
}

fn user(id: &str, user_name: &str, display: Option<&str>, bu_path: &str, user_type: &str) -> CachedUser {
    let resource: User = serde_json::from_value(json!({
        "id": id,
        "userName": user_name,
        "displayName": display,
        "name": {"givenName": "Given", "familyName": format!("Fam{id}")},
        "userType": user_type,
        "emails": [{"value": format!("{user_name}@example.com"), "primary": true}],
        "meta": {"version": format!("W/\"{id}\""), "lastModified": "2024-05-01T10:00:00Z"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": bu_path}
    }))
    .expect("valid user");
    CachedUser::new(&resource, Some(bu(bu_path))).expect("serialises")
}

fn group(id: &str, name: &str, members: &[&str]) -> Group {
    Group {
        id: Some(id.into()),
        display_name: name.into(),
        members: members.iter().map(|m| Member { value: (*m).into(), ..Member::default() }).collect(),
        ..Group::default()
    }
}

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, hour, 0, 0).single().expect("valid time")
}

/// Five users in four BUs, two roles; `zed` is a member of a role but not cached (out of scope).
fn seeded() -> Cache {
    let mut cache = Cache::open_in_memory().expect("opens");
    let users = [
        user("1", "anna.schmidt", Some("Anna Schmidt"), "EMEA/DE", "Employee"),
        user("2", "bruno.petit", Some("bruno Petit"), "EMEA/FR", "Partner"),
        user("3", "carl.jones", None, "AMER/US", "Service"),
        user("4", "dora_emea", Some("Dora"), "EMEAX", "Employee"),
        user("5", "eve.kumar", Some("Eve Kumar"), "EMEA", "contractor"),
    ];
    let groups =
        [group("g1", "Exstream Content Author", &["1", "2", "zed"]), group("g2", "Compliance Reviewer", &["1", "3"])];
    let counts = cache.replace_directory(users.to_vec(), &groups, at(9)).expect("replaces");
    assert_eq!(counts, DirectoryCounts { users: 5, groups: 2, memberships: 4 });
    cache
}

fn ids(rows: &[UserRow]) -> Vec<&str> {
    rows.iter().map(|r| r.id.as_str()).collect()
}

#[test]
fn a_new_cache_file_has_16_kib_pages_and_an_older_one_keeps_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page_size =
        |cache: &Cache| -> u32 { cache.conn.pragma_query_value(None, "page_size", |r| r.get(0)).expect("size") };
    let new = dir.path().join("new.sqlite");
    let mut cache = Cache::open(&new).expect("creates");
    assert_eq!(page_size(&cache), PAGE_SIZE);
    assert_eq!(PAGE_SIZE, 16 * 1024);
    cache.replace_directory(vec![user("u1", "ada", None, "EMEA/DE", "employee")], &[], at(9)).expect("writes");
    drop(cache);
    assert_eq!(page_size(&Cache::open(&new).expect("reopens")), PAGE_SIZE);

    // A cache an earlier version created, with SQLite's default pages.
    let old = dir.path().join("old.sqlite");
    rusqlite::Connection::open(&old).expect("open").execute_batch("CREATE TABLE before (x);").expect("created");
    let mut cache = Cache::open(&old).expect("migrates the older file");
    assert_eq!(page_size(&cache), 4096, "the header's page size is kept");
    cache.replace_directory(vec![user("u1", "ada", None, "EMEA/DE", "employee")], &[], at(9)).expect("writes");
    assert_eq!(cache.count_users(&UserQuery::default()).expect("count"), 1);
}

#[test]
fn fresh_database_is_migrated_with_wal_and_reopening_is_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/cache.sqlite");
    {
        let cache = Cache::open(&path).expect("creates");
        assert_eq!(cache.schema_version().expect("version"), SCHEMA_VERSION);
        let mode: String = cache.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).expect("mode");
        assert_eq!(mode, "wal");
        let fk: i64 = cache.conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).expect("fk");
        assert_eq!(fk, 1);
        cache.meta_set("k", "v").expect("writes");
    }
    let cache = Cache::open(&path).expect("reopens without re-applying migrations");
    assert_eq!(cache.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(cache.meta_get("k").expect("reads").as_deref(), Some("v"), "data survives reopening");
}

#[test]
fn a_database_from_a_newer_bailiwick_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    let newer = SCHEMA_VERSION + 1;
    {
        let conn = Connection::open(&path).expect("raw open");
        conn.execute_batch(&format!("CREATE TABLE future (x); PRAGMA user_version = {newer};")).expect("setup");
    }
    let err = Cache::open(&path).expect_err("refused");
    assert!(matches!(err, Error::CacheTooNew { found, supported } if found == newer && supported == SCHEMA_VERSION));
    assert!(err.to_string().contains("update Bailiwick"), "{err}");
    let conn = Connection::open(&path).expect("raw open");
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
    assert_eq!(version, newer, "the newer file must be left as it was");
}

#[test]
fn a_failing_migration_leaves_the_file_at_its_old_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    {
        // A table the first migration wants to create already exists: the migration fails.
        let conn = Connection::open(&path).expect("raw open");
        conn.execute_batch("CREATE TABLE groups (x);").expect("setup");
    }
    assert!(Cache::open(&path).is_err());
    let conn = Connection::open(&path).expect("raw open");
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
    assert_eq!(version, 0);
    let users: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'users'", [], |r| r.get(0)).expect("query");
    assert_eq!(users, 0, "tables created before the failure are rolled back");
}

#[test]
fn rows_are_sorted_by_display_name_then_user_name_and_carry_their_roles() {
    let cache = seeded();
    let rows = cache.list_users(&UserQuery::default()).expect("lists");
    assert_eq!(ids(&rows), ["1", "2", "4", "5", "3"], "case-insensitive by display name");
    assert_eq!(rows[4].display_name, "Given Fam3", "falls back to the names when displayName is absent");
    assert_eq!(rows[0].roles, ["Compliance Reviewer", "Exstream Content Author"]);
    assert_eq!(rows[3].user_type, UserType::Other, "an unknown userType is other");
    assert_eq!(rows[0].email.as_deref(), Some("anna.schmidt@example.com"));
    let json = serde_json::to_value(&rows[1]).expect("serializes");
    assert_eq!(
        json,
        json!({"id": "2", "userName": "bruno.petit", "displayName": "bruno Petit", "bu": "EMEA/FR",
               "type": "partner", "active": true, "email": "bruno.petit@example.com",
               "roles": ["Exstream Content Author"]})
    );
}

#[test]
fn bu_filter_matches_the_subtree_by_whole_segments() {
    let cache = seeded();
    let query = UserQuery { bu: Some(bu("EMEA")), ..UserQuery::default() };
    assert_eq!(ids(&cache.list_users(&query).expect("lists")), ["1", "2", "5"], "EMEAX is not below EMEA");
    let query = UserQuery { bu: Some(bu("EMEA/DE")), ..UserQuery::default() };
    assert_eq!(ids(&cache.list_users(&query).expect("lists")), ["1"]);
    assert_eq!(cache.count_users(&UserQuery { bu: Some(bu("emea")), ..UserQuery::default() }).expect("counts"), 0);
}

#[test]
fn search_is_a_case_insensitive_substring_over_names_email_and_bu() {
    let cache = seeded();
    let search = |text: &str| {
        let query = UserQuery { search: Some(text.into()), ..UserQuery::default() };
        cache.list_users(&query).expect("lists").into_iter().map(|r| r.id).collect::<Vec<_>>()
    };
    assert_eq!(search("SCHMIDT"), ["1"]);
    assert_eq!(search("fam3"), ["3"], "family name");
    assert_eq!(search("eve.kumar@"), ["5"], "email");
    assert_eq!(search("amer/"), ["3"], "BU");
    assert_eq!(search("_"), ["4"], "LIKE wildcards are literal");
    assert_eq!(search("%"), Vec::<String>::new());
    assert_eq!(search("  "), ["1", "2", "4", "5", "3"], "a blank search matches everyone");
}

#[test]
fn type_role_limit_and_offset_narrow_the_list() {
    let cache = seeded();
    let employees = UserQuery { user_type: Some(UserType::Employee), ..UserQuery::default() };
    assert_eq!(ids(&cache.list_users(&employees).expect("lists")), ["1", "4"]);
    let authors = UserQuery { role: Some("exstream content author".into()), ..UserQuery::default() };
    assert_eq!(ids(&cache.list_users(&authors).expect("lists")), ["1", "2"]);
    let by_id = UserQuery { role: Some("g2".into()), bu: Some(bu("AMER")), ..UserQuery::default() };
    assert_eq!(ids(&cache.list_users(&by_id).expect("lists")), ["3"]);
    let page = UserQuery { limit: Some(2), offset: 1, ..UserQuery::default() };
    assert_eq!(ids(&cache.list_users(&page).expect("lists")), ["2", "4"]);
    assert_eq!(cache.count_users(&page).expect("counts"), 5, "count ignores paging");
}

#[test]
fn a_user_is_found_by_id_or_case_insensitive_user_name() {
    let cache = seeded();
    assert_eq!(cache.user("3").expect("reads").map(|u| u.user_name), Some("carl.jones".into()));
    assert_eq!(cache.user("Carl.Jones").expect("reads").map(|u| u.id), Some("3".into()));
    assert_eq!(cache.user("nobody").expect("reads"), None);
    assert_eq!(cache.roles_of("3").expect("reads"), ["Compliance Reviewer"]);
    let resource = cache.user_resource("1").expect("reads").expect("present");
    assert_eq!(resource.meta.and_then(|m| m.version).as_deref(), Some("W/\"1\""));
    let groups = cache.list_groups().expect("lists");
    assert_eq!(
        groups.iter().map(|g| (g.display_name.as_str(), g.members)).collect::<Vec<_>>(),
        [("Compliance Reviewer", 2), ("Exstream Content Author", 2)]
    );
}

#[test]
fn replacing_the_directory_drops_what_is_gone_and_a_failed_replace_keeps_the_old_cache() {
    let mut cache = seeded();
    assert_eq!(cache.last_sync_at().expect("reads"), Some(at(9)));
    let next = [user("1", "anna.schmidt", Some("Anna Schmidt"), "EMEA/DE", "Employee")];
    let counts = cache.replace_directory(next.to_vec(), &[group("g1", "Author", &["1"])], at(10)).expect("replaces");
    assert_eq!(counts, DirectoryCounts { users: 1, groups: 1, memberships: 1 });
    assert_eq!(cache.last_sync_at().expect("reads"), Some(at(10)));

    // Make the second insert fail, halfway through the transaction.
    cache.conn.execute_batch("CREATE TEMP TRIGGER fail_on_bob BEFORE INSERT ON users WHEN NEW.user_name = 'bob' BEGIN SELECT RAISE(ABORT, 'boom'); END;").expect("trigger");
    let broken = [user("7", "zoe", None, "EMEA", "Employee"), user("8", "bob", None, "EMEA", "Employee")];
    assert!(cache.replace_directory(broken.to_vec(), &[], at(11)).is_err());
    assert_eq!(ids(&cache.list_users(&UserQuery::default()).expect("lists")), ["1"], "old users kept");
    assert_eq!(cache.roles_of("1").expect("reads"), ["Author"], "old memberships kept");
    assert_eq!(cache.last_sync_at().expect("reads"), Some(at(10)), "old sync time kept");
}

#[test]
fn users_filter_by_status_and_bus_are_listed_with_their_own_counts() {
    let mut cache = seeded();
    let mut users: Vec<CachedUser> = ["1", "2", "3", "4", "5"]
        .iter()
        .map(|id| {
            let (name, bu_path) = match *id {
                "1" => ("anna.schmidt", "EMEA/DE"),
                "2" => ("bruno.petit", "EMEA/FR"),
                "3" => ("carl.jones", "AMER/US"),
                "4" => ("dora_emea", "EMEAX"),
                _ => ("eve.kumar", "EMEA"),
            };
            user(id, name, None, bu_path, "Employee")
        })
        .collect();
    users[1] = users[1].edited(|u| u.active = Some(false));
    users.push(user("6", "fritz.weber", None, "EMEA/DE", "Employee"));
    cache.replace_directory(users.to_vec(), &[], at(10)).expect("replaces");

    let disabled = cache.list_users(&UserQuery { active: Some(false), ..UserQuery::default() }).expect("lists");
    assert_eq!(ids(&disabled), ["2"]);
    let active_in_emea = UserQuery { active: Some(true), bu: Some(bu("EMEA")), ..UserQuery::default() };
    assert_eq!(
        cache.count_users(&active_in_emea).expect("counts"),
        3,
        "EMEA, EMEA/DE twice; not EMEAX, not the disabled"
    );

    let units: Vec<(String, u64)> =
        cache.business_units().expect("lists").into_iter().map(|u| (u.bu, u.users)).collect();
    let expected = [("AMER/US", 1), ("EMEA", 1), ("EMEA/DE", 2), ("EMEA/FR", 1), ("EMEAX", 1)];
    assert_eq!(units, expected.map(|(b, n)| (b.to_owned(), n)), "each BU once, sorted, with its own users");
}

fn user_indexes(cache: &Cache) -> Vec<(String, String)> {
    let mut statement = cache
        .conn
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL ORDER BY name")
        .expect("prepares");
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).expect("queries");
    rows.collect::<Result<_, _>>().expect("reads")
}

#[test]
fn a_full_replace_rebuilds_the_users_indexes_as_the_migrations_defined_them_even_when_it_fails() {
    let mut cache = seeded();
    let before = user_indexes(&cache);
    assert_eq!(before.len(), 5, "the migrations' secondary indexes on users: {before:?}");

    let next: Vec<CachedUser> =
        (0..50).map(|i| user(&format!("u{i}"), &format!("user{i:02}"), None, "EMEA/DE", "Employee")).collect();
    cache.replace_directory(next.to_vec(), &[], at(10)).expect("replaces");
    assert_eq!(user_indexes(&cache), before, "the same indexes, defined the same way");
    let integrity: String = cache.conn.query_row("PRAGMA integrity_check", [], |row| row.get(0)).expect("checks");
    assert_eq!(integrity, "ok", "every index holds every row");
    let plan: String = cache
        .conn
        .query_row("EXPLAIN QUERY PLAN SELECT id FROM users WHERE user_name = 'user07' COLLATE NOCASE", [], |row| {
            row.get(3)
        })
        .expect("plans");
    assert!(plan.contains("users_by_user_name"), "lookups by userName use the rebuilt index: {plan}");
    assert_eq!(cache.user("USER07").expect("reads").map(|u| u.id).as_deref(), Some("u7"));

    cache.conn.execute_batch("CREATE TEMP TRIGGER fail_on_bob BEFORE INSERT ON users WHEN NEW.user_name = 'bob' BEGIN SELECT RAISE(ABORT, 'boom'); END;").expect("trigger");
    let broken = [user("7", "zoe", None, "EMEA", "Employee"), user("8", "bob", None, "EMEA", "Employee")];
    assert!(cache.replace_directory(broken.to_vec(), &[], at(11)).is_err());
    assert_eq!(user_indexes(&cache), before, "a failed replace leaves the indexes in place");
}

#[test]
fn the_admin_context_round_trips_through_meta() {
    let cache = Cache::open_in_memory().expect("opens");
    assert_eq!(cache.admin_context().expect("reads"), None);
    let admin = AdminContext {
        subject: "s1".into(),
        display_name: "ada.emea".into(),
        bu_scopes: Scopes::new(vec![bu("EMEA")]),
        capabilities: vec![Capability::Review],
    };
    cache.set_admin_context(&admin).expect("writes");
    assert_eq!(cache.admin_context().expect("reads"), Some(admin));
}

#[test]
fn user_type_parses_cli_values_and_scim_user_types() {
    assert_eq!(UserType::parse("Partner"), Some(UserType::Partner));
    assert_eq!(UserType::parse(" SERVICE "), Some(UserType::Service));
    assert_eq!(UserType::parse("vendor"), None);
    assert_eq!(UserType::from_scim(Some("Employee")), UserType::Employee);
    assert_eq!(UserType::from_scim(None), UserType::Other);
    assert_eq!("employee".parse::<UserType>(), Ok(UserType::Employee));
}

fn search_ids(cache: &Cache, text: &str) -> Vec<String> {
    let query = UserQuery { search: Some(text.into()), ..UserQuery::default() };
    let rows = cache.list_users(&query).expect("lists");
    let count = cache.count_users(&query).expect("counts");
    assert_eq!(count, rows.len() as u64, "count_users agrees with list_users for {text:?}");
    rows.into_iter().map(|r| r.id).collect()
}

#[test]
fn search_matches_a_prefix_of_each_term_in_any_field_and_order() {
    let cache = seeded();
    assert_eq!(search_ids(&cache, "ann sch"), ["1"]);
    assert_eq!(search_ids(&cache, "SCH  ann"), ["1"], "terms in any order, any case, any spacing");
    assert_eq!(search_ids(&cache, "anna emea/de"), ["1"], "terms may match different fields");
    assert_eq!(search_ids(&cache, "ann petit"), Vec::<String>::new(), "every term must match");
    assert_eq!(search_ids(&cache, "midt"), ["1"], "inside a word, as the former substring search");
    assert_eq!(search_ids(&cache, "a sch"), ["1"], "a short term is matched too");
}

#[test]
fn search_ignores_accents_and_case_beyond_ascii() {
    let mut cache = Cache::open_in_memory().expect("opens");
    let users = [
        user("1", "juergen.mueller", Some("Jürgen Müller"), "EMEA/DE", "Employee"),
        user("2", "zoe", Some("ZOË ÅSTRÖM"), "EMEA/SE", "Employee"),
    ];
    cache.replace_directory(users.to_vec(), &[], at(9)).expect("replaces");
    assert_eq!(search_ids(&cache, "muller"), ["1"]);
    assert_eq!(search_ids(&cache, "jürg MÜLL"), ["1"]);
    assert_eq!(search_ids(&cache, "astrom"), ["2"]);
    assert_eq!(search_ids(&cache, "zoë åström"), ["2"]);
}

#[test]
fn search_text_is_never_query_syntax() {
    let cache = seeded();
    for text in ["\"", "anna\"", "NOT anna", "anna OR bruno", "doc:anna", "(anna", "an*", "^anna", "a'b", "NEAR(a b)"] {
        let found = search_ids(&cache, text);
        assert!(found.iter().all(|id| id == "1"), "{text:?} found {found:?}");
    }
    assert_eq!(search_ids(&cache, "anna OR bruno"), Vec::<String>::new(), "OR is a word to find, not an operator");
}

#[test]
fn search_finds_whatever_the_former_substring_search_found() {
    // Pseudo-random users from a small syllable set, so names share substrings a lot.
    let syllables = ["an", "na", "ber", "schm", "idt", "mül", "ler", "jo", "han", "nes", "e", "lu"];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut word = |parts: usize| (0..parts).map(|_| syllables[next(syllables.len())]).collect::<String>();
    let users: Vec<CachedUser> = (0..300)
        .map(|i| {
            let (given, family) = (word(2), word(3));
            let user_name = format!("{given}.{family}{i}");
            let bus = ["EMEA", "EMEA/DE", "AMER/US", "APAC/IN"];
            let cached = user(&i.to_string(), &user_name, Some(&format!("{given} {family}")), bus[i % 4], "Employee");
            cached.edited(|u| {
                u.name = Some(bailiwick_scim::Name {
                    given_name: Some(given),
                    family_name: Some(family),
                    ..bailiwick_scim::Name::default()
                })
            })
        })
        .collect();
    let mut cache = Cache::open_in_memory().expect("opens");
    cache.replace_directory(users.to_vec(), &[], at(9)).expect("replaces");

    // The search before the FTS index: the whole text as a LIKE substring of any field.
    let old_search = |text: &str| -> std::collections::BTreeSet<String> {
        let mut statement = cache
            .conn
            .prepare(
                "SELECT id FROM users WHERE user_name LIKE ?1 OR display_name LIKE ?1 OR given_name LIKE ?1
                 OR family_name LIKE ?1 OR email LIKE ?1 OR bu LIKE ?1",
            )
            .expect("prepares");
        let rows = statement.query_map([format!("%{text}%")], |r| r.get(0)).expect("queries");
        rows.collect::<Result<_, _>>().expect("reads")
    };
    let mut words: Vec<String> = syllables.iter().map(|s| s.to_string()).collect();
    words.extend(
        ["schmidt", "anna", "mülle", "MÜLLER", "emea/de", "APAC", "example.com", "hannes", "e ler"].map(String::from),
    );
    words.extend((0..40).map(|_| word(2)));
    let mut compared = 0;
    for text in &words {
        let old = old_search(text);
        let new: std::collections::BTreeSet<String> = search_ids(&cache, text).into_iter().collect();
        assert!(old.is_subset(&new), "{text:?}: the former search found {:?} too", old.difference(&new));
        compared += usize::from(!old.is_empty());
    }
    assert!(compared > 30, "the comparison must have found something to compare ({compared})");
}

#[test]
fn the_search_index_follows_each_replace_and_clear() {
    let mut cache = seeded();
    let next = [user("9", "nora.schulz", Some("Nora Schulz"), "EMEA/DE", "Employee")];
    cache.replace_directory(next.to_vec(), &[], at(10)).expect("replaces");
    assert_eq!(search_ids(&cache, "schmidt"), Vec::<String>::new(), "a user gone from the directory is not found");
    assert_eq!(search_ids(&cache, "schulz"), ["9"]);
    cache.clear_directory().expect("clears");
    assert_eq!(search_ids(&cache, "schulz"), Vec::<String>::new());
}

/// The opcodes SQLite compiles `sql` into.
fn opcodes(cache: &Cache, sql: &str) -> Vec<String> {
    let mut statement = cache.conn.prepare(&format!("EXPLAIN {sql}")).expect("explains");
    let unbound = std::iter::repeat_n(rusqlite::types::Null, statement.parameter_count());
    let rows = statement.query_map(rusqlite::params_from_iter(unbound), |row| row.get(1)).expect("queries");
    rows.collect::<Result<_, _>>().expect("reads")
}

#[test]
fn writing_a_user_builds_no_temporary_table_for_the_checks_yet_the_checks_hold() {
    let cache = Cache::open_in_memory().expect("opens");
    for sql in [user_rows::UPSERT_USER, user_rows::INSERT_USER] {
        let opcodes = opcodes(&cache, sql);
        assert!(opcodes.iter().any(|op| op == "Insert"), "{opcodes:?}");
        // An IN list of more than two constants is a B-tree built each time the statement runs.
        assert!(!opcodes.iter().any(|op| op == "OpenEphemeral"), "{opcodes:?}");
    }
    let insert = |user_type: &str, active: i64| {
        cache.conn.execute(
            "INSERT INTO users (id, user_name, display_name, user_type, active) VALUES (?1, 'u', 'U', ?2, ?3)",
            params![format!("{user_type}-{active}"), user_type, active],
        )
    };
    for user_type in ["employee", "partner", "service", "other"] {
        insert(user_type, 1).expect("a known type");
    }
    insert("employee", 0).expect("inactive");
    for (user_type, active) in [("robot", 1), ("Employee", 1), ("employee", 2)] {
        let refused = insert(user_type, active).expect_err("the checks refuse it");
        assert!(refused.to_string().contains("CHECK constraint failed"), "{user_type} {active}: {refused}");
    }
}

#[test]
fn a_version_six_cache_keeps_its_users_rowids_search_and_memberships_when_its_table_is_rebuilt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    {
        let conn = Connection::open(&path).expect("raw open");
        for sql in &MIGRATIONS[..6] {
            conn.execute_batch(sql).expect("schema 6");
        }
        conn.execute_batch(
            "INSERT INTO users (rowid, id, user_name, display_name, given_name, family_name, email, bu, user_type,
                                active, raw) VALUES
                 (1024, '2', 'anna.schmidt', 'Anna Schmidt', 'Anna', 'Schmidt', 'anna.schmidt@example.com', 'EMEA',
                  'partner', 0, '{}'),
                 (2048, '1', 'zoe', 'Zoe Quinn', 'Zoe', 'Quinn', 'zq@example.com', 'EMEA', 'employee', 1, '{}');
             INSERT INTO users_search (rowid, doc) SELECT rowid, user_name || char(10) || display_name FROM users;
             INSERT INTO groups (id, display_name, raw) VALUES ('g1', 'Compliance Reviewer', '{}');
             INSERT INTO memberships (group_id, user_id) VALUES ('g1', '1');
             PRAGMA user_version = 6;",
        )
        .expect("a version 6 cache");
    }
    let mut cache = Cache::open(&path).expect("migrates");
    assert_eq!(cache.schema_version().expect("version"), SCHEMA_VERSION);
    let rows: Vec<(i64, String, String, bool)> = {
        let mut statement =
            cache.conn.prepare("SELECT rowid, id, user_type, active FROM users ORDER BY rowid").expect("prepares");
        let rows =
            statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))).expect("reads");
        rows.collect::<Result<_, _>>().expect("reads")
    };
    assert_eq!(rows, [(1024, "2".into(), "partner".into(), false), (2048, "1".into(), "employee".into(), true)]);
    assert_eq!(search_ids(&cache, "zoe"), ["1"], "the search index still points at the rows");
    for (term, found) in [("schmidt", "2"), ("anna.sch", "2"), ("quinn", "1"), ("zq@", "1")] {
        assert_eq!(search_ids(&cache, term), [found], "{term}: fields held by others are found through them");
    }
    search_index::forget_user(&cache.conn, "2").expect("forgets");
    assert_eq!(search_ids(&cache, "schmidt"), Vec::<String>::new());
    assert_eq!(search_ids(&cache, "example"), ["1"]);
    search_index::index_user(&cache.conn, "2").expect("indexes again");
    assert_eq!(cache.roles_of("1").expect("reads"), ["Compliance Reviewer"], "the membership survived the copy");
    let indexes: i64 = cache
        .conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("counts");
    assert_eq!(indexes, 5, "the indexes are back, and the one on id");
    let twice = cache.conn.execute(
        "INSERT INTO users (id, user_name, display_name, user_type, active) VALUES ('1', 'z', 'Z', 'employee', 1)",
        [],
    );
    assert!(twice.is_err_and(|e| e.to_string().contains("UNIQUE constraint failed: users.id")), "ids stay unique");
    assert!(!opcodes(&cache, user_rows::UPSERT_USER).iter().any(|op| op == "OpenEphemeral"));
    cache.clear_directory().expect("clears");
    let memberships: i64 = cache.conn.query_row("SELECT count(*) FROM memberships", [], |r| r.get(0)).expect("counts");
    assert_eq!(memberships, 0, "memberships still follow their users");
}

#[test]
fn a_migration_that_copies_the_users_gives_the_space_it_freed_back_to_the_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    let pages = |conn: &Connection| -> (i64, i64) {
        let count = |pragma: &str| conn.pragma_query_value(None, pragma, |r| r.get(0)).expect("reads");
        (count("page_count"), count("freelist_count"))
    };
    let before = {
        let conn = Connection::open(&path).expect("raw open");
        for sql in &MIGRATIONS[..6] {
            conn.execute_batch(sql).expect("schema 6");
        }
        conn.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO users (rowid, id, user_name, display_name, user_type, active, raw)
                 SELECT i * 1024, 'u' || i, 'user' || i, 'User ' || i, 'employee', 1, hex(randomblob(400)) FROM n;
             INSERT INTO users_search (rowid, doc) SELECT rowid, user_name || char(10) || display_name FROM users;
             PRAGMA user_version = 6;",
        )
        .expect("a version 6 cache of 2,000 users");
        pages(&conn)
    };
    let cache = Cache::open(&path).expect("migrates");
    let (after, free) = pages(&cache.conn);
    assert_eq!(free, 0, "no free pages left: {before:?} → {after}");
    assert!(after <= before.0 * 11 / 10, "the file is no larger than before: {before:?} → {after}");
    assert_eq!(cache.count_users(&UserQuery::default()).expect("counts"), 2000);
    assert_eq!(search_ids(&cache, "user1999"), ["u1999"]);
}

#[test]
fn migration_seven_indexed_the_users_with_the_text_the_code_removes_entries_by() {
    // The index is contentless: an entry is removed by giving back the text it was made of,
    // so the migration's text and SEARCH_DOC must be the same expression.
    let words = |sql: &str| sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let migration = MIGRATIONS[6];
    let Some((_, indexed)) = migration.rsplit_once("INSERT INTO users_search (rowid, doc)") else {
        panic!("migration 7 rebuilds the search index")
    };
    let indexed = words(indexed);
    let expression = indexed
        .strip_prefix("SELECT rowid, ")
        .and_then(|rest| rest.strip_suffix(" FROM users ORDER BY rowid;"))
        .expect("SELECT rowid, <text> FROM users ORDER BY rowid;");
    assert_eq!(expression, words(search_index::SEARCH_DOC));
}

#[test]
fn a_version_one_cache_is_migrated_and_its_users_become_searchable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    {
        let conn = Connection::open(&path).expect("raw open");
        conn.execute_batch(MIGRATIONS[0]).expect("schema 1");
        conn.execute_batch(
            "INSERT INTO users (id, user_name, display_name, bu, user_type, active, raw)
             VALUES ('1', 'anna.schmidt', 'Anna Schmidt', 'EMEA/DE', 'employee', 1, '{}');
             PRAGMA user_version = 1;",
        )
        .expect("a version 1 cache");
    }
    let cache = Cache::open(&path).expect("migrates");
    assert_eq!(cache.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(search_ids(&cache, "ann sch"), ["1"]);
}

#[test]
fn a_failing_search_migration_leaves_version_one_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    {
        // The index table's name is taken: migration 2 fails halfway.
        let conn = Connection::open(&path).expect("raw open");
        conn.execute_batch(MIGRATIONS[0]).expect("schema 1");
        conn.execute_batch("CREATE TABLE users_search (x); PRAGMA user_version = 1;").expect("setup");
    }
    assert!(Cache::open(&path).is_err());
    let conn = Connection::open(&path).expect("raw open");
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
    assert_eq!(version, 1);
}

#[test]
fn users_without_a_last_modified_are_counted_from_their_own_index() {
    let mut cache = seeded();
    assert_eq!(cache.users_without_last_modified().expect("counts"), 0);
    let undated = user("6", "fay.undated", Some("Fay"), "EMEA/DE", "Employee").edited(|u| u.meta = None);
    let mut users: Vec<CachedUser> =
        (1..=5).map(|i| user(&i.to_string(), &format!("u{i}"), None, "EMEA", "Employee")).collect();
    users.push(undated);
    cache.replace_directory(users.to_vec(), &[], at(10)).expect("replaces");
    assert_eq!(cache.users_without_last_modified().expect("counts"), 1);
    let plan: String = cache
        .conn
        .query_row(&format!("EXPLAIN QUERY PLAN {}", super::incremental::USERS_WITHOUT_LAST_MODIFIED), [], |row| {
            row.get(3)
        })
        .expect("plans");
    assert!(plan.contains("user_resources_without_last_modified"), "the whole table is not read on every sync: {plan}");
}

/// `cached` with `json` set to its resource's JSON, attributes in reverse order and spaced:
/// text that decodes to the same user but is not how Bailiwick would write it.
fn as_sent_by_a_server(cached: &CachedUser) -> CachedUser {
    let value: Value = serde_json::from_str(cached.json()).expect("JSON");
    let attributes: Vec<String> = value
        .as_object()
        .expect("a user is an object")
        .iter()
        .rev()
        .map(|(name, value)| format!("{}: {value}", Value::String(name.clone())))
        .collect();
    let json = format!("{{ {} }}", attributes.join(", "));
    CachedUser::decode(json.into(), |_, _| cached.bu.clone()).expect("a user")
}

fn stored_json(cache: &Cache, id: &str) -> String {
    cache.conn.query_row("SELECT raw FROM user_resources WHERE id = ?1", [id], |row| row.get(0)).expect("cached")
}

#[test]
fn users_are_stored_as_the_server_sent_them_and_compared_by_content() {
    let mut cache = Cache::open_in_memory().expect("opens");
    let sent = as_sent_by_a_server(&user("1", "anna.schmidt", Some("Anna Schmidt"), "EMEA/DE", "Employee"));
    let text = sent.json().to_owned();
    cache.replace_directory(vec![sent.clone()], &[], at(9)).expect("replaces");
    assert_eq!(stored_json(&cache, "1"), text, "the server's text, not a re-serialisation");
    assert_eq!(cache.user_resource("1").expect("reads"), Some(sent.resource().expect("decodes")));

    // The same user again, as Bailiwick would write it: the same content, so no change.
    let same = CachedUser::new(&sent.resource().expect("decodes"), sent.bu.clone()).expect("serialises");
    assert_ne!(same.json(), text, "other text");
    let apply = |cache: &mut Cache, upserts: Vec<CachedUser>| {
        let sync = IncrementalSync {
            upserts: &upserts,
            live_ids: None,
            gone: None,
            groups: &[],
            server_grants: None,
            scope_key: "s",
            everyone_listed: None,
        };
        cache.apply_incremental_sync(&sync, at(10)).expect("applies").1
    };
    let changes = apply(&mut cache, vec![same]);
    assert_eq!((changes.added, changes.changed), (0, 0), "{changes:?}");
    assert_eq!(stored_json(&cache, "1"), text, "an unchanged user is not rewritten");

    let retitled = sent.edited(|u| u.title = Some("Compliance reviewer".into()));
    let changes = apply(&mut cache, vec![retitled]);
    assert_eq!((changes.added, changes.changed), (0, 1), "{changes:?}");
    let stored = cache.user_resource("1").expect("reads").expect("cached");
    assert_eq!(stored.title.as_deref(), Some("Compliance reviewer"));
}

#[test]
fn the_search_text_of_a_row_about_to_be_written_is_the_one_sql_indexes() {
    let mut cache = Cache::open_in_memory().expect("opens");
    let sparse = user("2", "b.sparse", None, "AMER", "Partner").edited(|u| {
        u.name = None;
        u.emails.clear();
    });
    let users = vec![user("1", "anna.schmidt", Some("Anna Schmidt"), "EMEA/DE", "Employee"), sparse];
    cache.replace_directory(users.clone(), &[], at(9)).expect("replaces");
    for cached in &users {
        let row = user_rows::UserColumns::of(cached).expect("an id");
        let indexed: String = cache
            .conn
            .query_row(&format!("SELECT {} FROM users WHERE id = ?1", search_index::SEARCH_DOC), [row.id], |r| r.get(0))
            .expect("cached");
        assert_eq!(search_index::search_doc(&row), indexed, "user {}", row.id);
    }
}

/// Rows of the search index's own table: grows when the index writes entries.
fn search_index_rows(cache: &Cache) -> i64 {
    cache.conn.query_row("SELECT count(*) FROM users_search_data", [], |r| r.get(0)).expect("counts")
}

#[test]
fn an_incremental_change_rewrites_only_what_it_changes_and_every_index_stays_right() {
    let mut cache = seeded();
    let apply = |cache: &mut Cache, upserts: Vec<CachedUser>| {
        let sync = IncrementalSync {
            upserts: &upserts,
            live_ids: None,
            gone: None,
            groups: &[],
            server_grants: None,
            scope_key: "s",
            everyone_listed: None,
        };
        cache.apply_incremental_sync(&sync, at(10)).expect("applies").1
    };
    let stored = |cache: &Cache, id: &str| cache.user_resource(id).expect("reads").expect("cached");
    let index_rows = search_index_rows(&cache);

    // A title: nothing searched, nothing indexed changes; the search index is not written.
    let anna = CachedUser::new(&stored(&cache, "1"), Some(bu("EMEA/DE"))).expect("serialises");
    let mut anna = anna.edited(|u| u.title = Some("Compliance reviewer".into()));
    assert_eq!(apply(&mut cache, vec![anna.clone()]).changed, 1);
    assert_eq!(stored(&cache, "1").title.as_deref(), Some("Compliance reviewer"));
    assert_eq!(search_index_rows(&cache), index_rows, "no entry rewritten for a title");
    assert_eq!(search_ids(&cache, "schmidt"), ["1"]);

    // A BU, a type and a status: the indexes that hold them follow.
    anna.bu = Some(bu("EMEA/FR"));
    let anna = anna.edited(|u| {
        u.user_type = Some("Partner".into());
        u.active = Some(false);
    });
    assert_eq!(apply(&mut cache, vec![anna.clone()]).changed, 1);
    let in_fr = |cache: &Cache| {
        let query = UserQuery { bu: Some(bu("EMEA/FR")), ..UserQuery::default() };
        cache.list_users(&query).expect("lists").into_iter().map(|r| r.id).collect::<Vec<_>>()
    };
    assert!(in_fr(&cache).contains(&"1".to_owned()), "{:?}", in_fr(&cache));
    let partners = UserQuery { user_type: Some(UserType::Partner), active: Some(false), ..UserQuery::default() };
    assert_eq!(cache.list_users(&partners).expect("lists").into_iter().map(|r| r.id).collect::<Vec<_>>(), ["1"]);
    assert!(search_ids(&cache, "EMEA/FR").contains(&"1".to_owned()), "the BU is searched too");

    // An e-mail: searched, so the entry is rewritten.
    let anna = anna.edited(|u| u.emails[0].value = "anna.neu@example.com".into());
    assert_eq!(apply(&mut cache, vec![anna]).changed, 1);
    assert_eq!(search_ids(&cache, "anna.neu"), ["1"]);
    assert!(search_ids(&cache, "anna.schmidt@").is_empty(), "the old e-mail is forgotten");

    let integrity: String = cache.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("checks");
    assert_eq!(integrity, "ok", "every index agrees with the table");
}

/// The ids of the cached users, and the ids of the stored resources: always the same.
fn user_and_resource_ids(cache: &Cache) -> (Vec<String>, Vec<String>) {
    let ids = |sql: &str| -> Vec<String> {
        let mut statement = cache.conn.prepare(sql).expect("prepares");
        let rows = statement.query_map([], |row| row.get(0)).expect("reads");
        rows.collect::<Result<_, _>>().expect("reads")
    };
    (ids("SELECT id FROM users ORDER BY id"), ids("SELECT id FROM user_resources ORDER BY id"))
}

#[test]
fn every_write_that_removes_or_renumbers_users_keeps_one_resource_per_user() {
    let mut cache = seeded();
    let (users, resources) = user_and_resource_ids(&cache);
    assert_eq!((users.len(), &resources), (5, &users));

    // A full sync with fewer users.
    let kept = vec![
        user("1", "anna.schmidt", Some("Anna Schmidt"), "EMEA/DE", "Employee"),
        user("3", "carl.jones", None, "AMER/US", "Service"),
        user("4", "dora_emea", Some("Dora"), "EMEAX", "Employee"),
        user("6", "fay.new", Some("Fay New"), "EMEA", "Employee"),
    ];
    cache.replace_directory(kept.clone(), &[], at(10)).expect("replaces");
    let (users, resources) = user_and_resource_ids(&cache);
    assert_eq!((users.as_slice(), &resources), (["1", "3", "4", "6"].map(String::from).as_slice(), &users));

    // An incremental sync: 3 is gone, 4 renamed (its rowid moves), 7 added.
    let live: HashSet<String> = ["1", "4", "6", "7"].map(String::from).into();
    let renamed = user("4", "dora_emea", Some("Aaron Dora"), "EMEAX", "Employee");
    let upserts = vec![renamed.clone(), user("7", "gus", Some("Gus"), "AMER", "Employee")];
    let sync = IncrementalSync {
        upserts: &upserts,
        live_ids: Some(&live),
        gone: None,
        groups: &[],
        server_grants: None,
        scope_key: "s",
        everyone_listed: None,
    };
    cache.apply_incremental_sync(&sync, at(11)).expect("applies");
    let (users, resources) = user_and_resource_ids(&cache);
    assert_eq!((users.as_slice(), &resources), (["1", "4", "6", "7"].map(String::from).as_slice(), &users));
    assert_eq!(stored_json(&cache, "4"), renamed.json(), "the moved user's resource is its new one");

    // A change the outbox applies: a user gone.
    directory_changes::apply(&cache.conn, &DirectoryChange::UserGone { user_id: "6".into() }).expect("applies");
    let (users, resources) = user_and_resource_ids(&cache);
    assert_eq!((users.as_slice(), &resources), (["1", "4", "7"].map(String::from).as_slice(), &users));

    cache.clear_directory().expect("clears");
    assert_eq!(user_and_resource_ids(&cache), (vec![], vec![]));
}

#[test]
fn migration_eight_moves_each_resource_beside_its_user_and_keeps_the_rowids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    {
        let conn = Connection::open(&path).expect("raw open");
        for sql in &MIGRATIONS[..7] {
            conn.execute_batch(sql).expect("schema 7");
        }
        conn.execute_batch(
            "INSERT INTO users (rowid, id, user_name, display_name, user_type, active, raw) VALUES
                 (1024, 'b', 'zoe', 'Zoe Quinn', 'employee', 1, '{\"id\":\"b\",\"userName\":\"zoe\"}'),
                 (2048, 'a', 'anna', 'Anna Schmidt', 'partner', 0, '{\"id\":\"a\",\"userName\":\"anna\"}');
             INSERT INTO users_search (rowid, doc) SELECT rowid, user_name || char(10) || display_name FROM users;
             PRAGMA user_version = 7;",
        )
        .expect("a version 7 cache");
    }
    let cache = Cache::open(&path).expect("migrates");
    assert_eq!(cache.schema_version().expect("version"), SCHEMA_VERSION);
    let rowids: Vec<(i64, String)> = {
        let mut statement = cache.conn.prepare("SELECT rowid, id FROM users ORDER BY rowid").expect("prepares");
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).expect("reads");
        rows.collect::<Result<_, _>>().expect("reads")
    };
    assert_eq!(rowids, [(1024, "b".into()), (2048, "a".into())]);
    assert_eq!(stored_json(&cache, "a"), r#"{"id":"a","userName":"anna"}"#);
    assert_eq!(cache.user_resource("b").expect("reads").map(|u| u.user_name), Some("zoe".into()));
    let columns: Vec<String> = {
        let mut statement = cache.conn.prepare("SELECT name FROM pragma_table_info('users')").expect("prepares");
        let rows = statement.query_map([], |row| row.get(0)).expect("reads");
        rows.collect::<Result<_, _>>().expect("reads")
    };
    assert!(!columns.contains(&"raw".to_owned()), "the resources left the users' rows: {columns:?}");
    assert_eq!(search_ids(&cache, "zoe"), ["b"], "the search index still points at the rows");
}

#[test]
fn a_change_only_the_resource_holds_writes_the_resource_and_not_the_users_row() {
    let cache = seeded();
    let stored = cache.user_resource("1").expect("reads").expect("cached");
    let rows_written = |cached: &CachedUser| {
        let before = cache.conn.total_changes();
        user_rows::update_user_row(&cache.conn, cached).expect("writes");
        cache.conn.total_changes() - before
    };
    let retitled = stored.clone();
    let retitled = CachedUser::new(&retitled, Some(bu("EMEA/DE"))).expect("serialises").edited(|u| {
        u.title = Some("Compliance reviewer".into());
        u.meta.get_or_insert_with(Default::default).version = Some("W/\"2\"".into());
    });
    assert_eq!(rows_written(&retitled), 1, "the resource alone");
    assert_eq!(cache.user_version("1").expect("reads").as_deref(), Some("W/\"2\""), "the version is the resource's");
    let moved = retitled.edited(|u| u.emails[0].value = "anna.neu@example.com".into());
    assert_eq!(rows_written(&moved), 2, "the row (its e-mail) and the resource");
    let mut to_fr = moved.clone();
    to_fr.bu = Some(bu("EMEA/FR"));
    assert_eq!(rows_written(&to_fr), 2, "the row (its BU) and the resource");
    assert_eq!(
        cache.user("1").expect("reads").map(|row| (row.email, row.bu)),
        Some((Some("anna.neu@example.com".into()), Some("EMEA/FR".into())))
    );
}

#[test]
fn a_full_sync_counts_users_added_changed_and_removed_by_version_time_bu_or_resource() {
    let mut cache = seeded();
    let replace = |cache: &mut Cache, users: Vec<CachedUser>| {
        cache.replace_directory_for_sync(users, &[], None, at(10), "s", None).expect("replaces").1
    };
    let undated = |cached: CachedUser, title: &str| {
        cached.edited(|u| {
            u.meta = None;
            u.title = Some(title.into());
        })
    };
    let first = vec![
        user("1", "anna.schmidt", Some("Anna Schmidt"), "EMEA/DE", "Employee"),
        user("2", "bruno.petit", Some("bruno Petit"), "EMEA/FR", "Partner"),
        user("3", "carl.jones", None, "AMER/US", "Service"),
        undated(user("4", "dora_emea", Some("Dora"), "EMEAX", "Employee"), "Author"),
        undated(user("5", "eve.kumar", Some("Eve Kumar"), "EMEA", "contractor"), "Author"),
    ];
    replace(&mut cache, first.clone());
    let mut moved = first[2].clone();
    moved.bu = Some(bu("AMER/BR"));
    let second = vec![
        first[0].clone(),
        first[1].edited(|u| u.meta.get_or_insert_with(Default::default).version = Some("W/\"9\"".into())),
        moved,
        undated(user("4", "dora_emea", Some("Dora"), "EMEAX", "Employee"), "Reviewer"),
        user("6", "fay.new", Some("Fay New"), "EMEA", "Employee"),
    ];
    let changes = replace(&mut cache, second);
    assert_eq!(
        (changes.added, changes.changed, changes.removed),
        (1, 3, 1),
        "6 added; 2 (version), 3 (BU), 4 (no version or time: its resource) changed; 5 removed: {changes:?}"
    );
}

#[test]
fn a_new_user_name_the_email_address_holds_moves_the_users_row_and_its_search_entry() {
    let mut cache = seeded();
    // The entry leaves the userName out while the e-mail address holds it, before and after: the
    // entry's text is the same, but the row moves with its sort key, and the entry with it.
    let renamed = user("1", "anna", Some("Anna Schmidt"), "EMEA/DE", "Employee")
        .edited(|u| u.emails[0].value = "anna.schmidt@example.com".into());
    let sync = IncrementalSync {
        upserts: std::slice::from_ref(&renamed),
        live_ids: None,
        gone: None,
        groups: &[],
        server_grants: None,
        scope_key: "s",
        everyone_listed: None,
    };
    let changes = cache.apply_incremental_sync(&sync, at(10)).expect("applies").1;
    assert_eq!(changes.changed, 1);
    assert_eq!(cache.user("1").expect("reads").map(|row| row.user_name), Some("anna".into()));
    for term in ["anna", "schmidt", "anna.schmidt@"] {
        assert_eq!(search_ids(&cache, term), ["1"], "{term}");
    }
    let integrity: String = cache.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("checks");
    assert_eq!(integrity, "ok");
}

#[test]
fn a_user_listed_twice_in_one_incremental_sync_is_written_once_as_last_listed() {
    let mut cache = seeded();
    let stored = cache.user_resource("1").expect("reads").expect("cached");
    let anna = CachedUser::new(&stored, Some(bu("EMEA/DE"))).expect("serialises");
    let first = anna.edited(|u| u.title = Some("Author".into()));
    let last = anna.edited(|u| u.title = Some("Reviewer".into()));
    let upserts = vec![last.clone(), user("7", "gus", Some("Gus"), "AMER", "Employee"), first.clone()];
    for (upserts, title) in [(upserts.clone(), "Author"), (vec![first, last], "Reviewer")] {
        let sync = IncrementalSync {
            upserts: &upserts,
            live_ids: None,
            gone: None,
            groups: &[],
            server_grants: None,
            scope_key: "s",
            everyone_listed: None,
        };
        let changes = cache.apply_incremental_sync(&sync, at(10)).expect("applies").1;
        assert_eq!(changes.changed, 1, "{changes:?}");
        let stored = cache.user_resource("1").expect("reads").expect("cached");
        assert_eq!(stored.title.as_deref(), Some(title));
    }
}

#[test]
fn uncached_users_are_counted_once_however_often_they_are_listed() {
    let cache = seeded();
    assert_eq!(cache.count_uncached(["new", "1", "new", "other", "1"]).expect("counts"), 2, "new and other");
    assert_eq!(cache.count_uncached([]).expect("counts"), 0);
}

#[test]
fn a_user_listed_twice_in_a_full_sync_is_cached_once_as_last_listed() {
    let mut cache = seeded();
    let anna = user("1", "anna.schmidt", Some("Anna Schmidt"), "EMEA/DE", "Employee");
    let renamed = anna.edited(|u| u.user_name = "anna.neu".into());
    let gus = user("7", "gus", Some("Gus"), "AMER", "Employee");
    for (users, user_name) in
        [(vec![anna.clone(), gus.clone(), renamed.clone()], "anna.neu"), (vec![renamed, gus, anna], "anna.schmidt")]
    {
        let counts = cache.replace_directory_for_sync(users, &[], None, at(10), "s", None).expect("replaces").0;
        assert_eq!(counts.users, 2, "one row per user");
        assert_eq!(cache.user("1").expect("reads").map(|row| row.user_name).as_deref(), Some(user_name));
        let resources: i64 =
            cache.conn.query_row("SELECT count(*) FROM user_resources", [], |r| r.get(0)).expect("counts");
        assert_eq!(resources, 2, "one resource per user");
        assert_eq!(search_ids(&cache, user_name), ["1"], "{user_name}");
    }
    let integrity: String = cache.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("checks");
    assert_eq!(integrity, "ok");
}

#[test]
fn an_encrypted_version_seven_cache_is_migrated_and_compacted_and_stays_encrypted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    let key = crate::secret::CacheKey::generate();
    {
        let conn = encryption::open(&path, &key).expect("an encrypted file");
        for sql in &MIGRATIONS[..7] {
            conn.execute_batch(sql).expect("schema 7");
        }
        // Enough resources that moving them frees more than a quarter of the file.
        conn.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO users (rowid, id, user_name, display_name, user_type, active, raw, version)
                 SELECT i * 1024, 'u' || i, 'zelda.quartermain' || i, 'Zelda Quartermain ' || i, 'employee', 1,
                        '{\"userName\":\"zelda.quartermain' || i || '\",\"title\":\"' || hex(randomblob(300)) || '\"}',
                        'W/\"' || i || '\"'
                 FROM n;
             INSERT INTO users_search (rowid, doc) SELECT rowid, user_name || char(10) || display_name FROM users;
             PRAGMA user_version = 7;",
        )
        .expect("a version 7 cache");
    }
    let cache = Cache::open_encrypted(&path, &key).expect("migrates");
    assert_eq!(cache.schema_version().expect("version"), SCHEMA_VERSION);
    let free: i64 = cache.conn.pragma_query_value(None, "freelist_count", |r| r.get(0)).expect("reads");
    assert_eq!(free, 0, "the pages the copies freed were given back");
    assert_eq!(cache.user_version("u7").expect("reads").as_deref(), Some("W/\"7\""));
    assert!(stored_json(&cache, "u1999").starts_with("{\"userName\":\"zelda.quartermain1999\""));
    assert_eq!(search_ids(&cache, "quartermain1999"), ["u1999"]);
    drop(cache);
    let bytes = std::fs::read(&path).expect("reads the file");
    assert!(!bytes.windows(11).any(|w| w == b"quartermain"), "no name is readable in the file");
    assert!(Cache::open_encrypted(&path, &crate::secret::CacheKey::generate()).is_err(), "another key is refused");
}

#[test]
fn releasing_the_page_cache_frees_its_pages_and_the_next_read_takes_them_from_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cache = Cache::open(&dir.path().join("cache.sqlite")).expect("opens");
    let users: Vec<CachedUser> = (0..3_000)
        .map(|i| user(&i.to_string(), &format!("user{i:05}"), Some(&format!("User {i}")), "EMEA/DE", "Employee"))
        .collect();
    cache.replace_directory(users, &[], at(9)).expect("replaces");
    let everyone = UserQuery::default();
    let search = UserQuery { search: Some("user02".into()), ..UserQuery::default() };
    let expected =
        (cache.count_users(&everyone).expect("counts"), ids(&cache.list_users(&search).expect("searches")).len());
    let held = cache.page_cache_bytes();
    assert!(held > 1 << 20, "reading 3,000 users fills the page cache: {held} bytes");

    let freed = cache.release_page_cache().expect("released");
    assert_eq!(freed, held, "it reports what it freed");
    let left = cache.page_cache_bytes();
    assert!(left < held / 10, "the pages are gone: {left} of {held} bytes left");

    let again =
        (cache.count_users(&everyone).expect("counts"), ids(&cache.list_users(&search).expect("searches")).len());
    assert_eq!(again, expected, "the same answers, read from the file");
    assert_eq!(again.0, 3_000);
    assert!(cache.page_cache_bytes() > left, "the reads filled the cache again");
}
