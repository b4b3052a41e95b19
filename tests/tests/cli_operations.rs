//! Delegated operations end to end: `bailiwick` changes the sandbox IAM (in its own process),
//! and every effect is checked by reading the sandbox directly over SCIM with a token of our
//! own (`common::Directory`), never only through Bailiwick's client and cache.

mod common;

use bailiwick_tests::{Cli, CliRun};
use common::{division, holds, id_of, synced, Directory};
use serde_json::{json, Value};

/// The `error.message` of a failed `--json` command.
fn error_message(run: &CliRun) -> String {
    run.json()["error"]["message"].as_str().unwrap_or_default().to_owned()
}

/// The `change.state` of a change command's `--json` output.
fn change_state(out: &Value) -> &str {
    out["change"]["state"].as_str().unwrap_or_default()
}

/// The first JSON document on stdout (a refused import prints its report, then the error).
fn first_json(run: &CliRun) -> Value {
    serde_json::Deserializer::from_str(&run.stdout)
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("stdout has no JSON:\n{}\nstderr:\n{}", run.stdout, run.stderr))
}

/// Creates an EMEA user through the CLI, checking the change was applied.
/// The roles the admin's cache says `user` holds (`users show`).
fn cached_roles(cli: &Cli, user: &str) -> Vec<String> {
    let shown = cli.run(&["users", "show", user, "--json"]);
    shown.assert_code(0, "users show");
    let shown = shown.json();
    let roles = shown["roles"].as_array().unwrap_or_else(|| panic!("the user's roles: {shown}"));
    roles.iter().filter_map(|r| r.as_str().map(str::to_owned)).collect()
}

fn create_user(cli: &Cli, user_name: &str, bu: &str, user_type: &str) -> Value {
    let run = cli.run(&["users", "create", "--user-name", user_name, "--bu", bu, "--type", user_type, "--json"]);
    run.assert_code(0, &format!("users create {user_name}"));
    let out = run.json();
    assert_eq!(change_state(&out), "done", "the creation of {user_name} was sent at once: {out}");
    out
}

#[test]
fn users_created_edited_disabled_and_enabled_show_on_the_server() {
    let sandbox = bailiwick_tests::SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada = synced(&sandbox, "ada.emea");

    let created = ada.run(&[
        "users",
        "create",
        "--user-name",
        "pat.partner",
        "--bu",
        "EMEA/DE",
        "--type",
        "partner",
        "--given",
        "Pat",
        "--family",
        "Partner",
        "--email",
        "pat.partner@example.com",
        "--json",
    ]);
    created.assert_code(0, "users create");
    let created = created.json();
    assert_eq!(change_state(&created), "done", "the creation is sent at once: {created}");
    assert_eq!(created["userName"], "pat.partner", "the created user is printed: {created}");

    let server = directory.existing_user(&truth, "pat.partner");
    assert_eq!(division(&server), Some("EMEA/DE"), "the BU lands in the enterprise division: {server}");
    assert_eq!(server["userType"], "Partner", "the type is sent: {server}");
    assert_eq!(server["name"]["givenName"], "Pat");
    assert_eq!(server["name"]["familyName"], "Partner");
    assert_eq!(server["emails"][0]["value"], "pat.partner@example.com");
    assert_eq!(server["active"], true);
    assert_eq!(
        server["externalId"].as_str(),
        created["change"]["id"].as_str(),
        "the creation carries its outbox id as externalId (idempotency): {server}"
    );
    let id = id_of(&server);
    assert_eq!(created["id"].as_str(), Some(id.as_str()), "the CLI reports the server's id");

    let edited = ada.run(&["users", "edit", "pat.partner", "--given", "Patricia", "--bu", "EMEA/FR", "--json"]);
    edited.assert_code(0, "users edit");
    assert_eq!(change_state(&edited.json()), "done");
    let server = directory.resource(&truth, &format!("/Users/{id}"));
    assert_eq!(server["name"]["givenName"], "Patricia", "the edit reached the server: {server}");
    assert_eq!(server["name"]["familyName"], "Partner", "attributes not edited stay: {server}");
    assert_eq!(division(&server), Some("EMEA/FR"), "the move to another EMEA BU reached the server: {server}");

    let disabled = ada.run(&["users", "disable", "pat.partner", "--json"]);
    disabled.assert_code(0, "users disable");
    assert_eq!(disabled.json()["active"], false, "the printed user is disabled");
    let server = directory.resource(&truth, &format!("/Users/{id}"));
    assert_eq!(server["active"], false, "the server holds the user disabled: {server}");
    let listed = |status: &str| -> Vec<String> {
        let out = ada.run(&["users", "list", "--status", status, "--json"]);
        out.assert_code(0, "users list --status");
        out.json()
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|u| u["userName"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(listed("disabled").contains(&"pat.partner".to_owned()), "--status disabled lists the disabled user");
    assert!(!listed("active").contains(&"pat.partner".to_owned()), "--status active leaves them out");
    ada.run(&["users", "list", "--status", "gone"]).assert_code(2, "an unknown status is a usage error");

    ada.run(&["users", "enable", "pat.partner", "--json"]).assert_code(0, "users enable");
    let server = directory.resource(&truth, &format!("/Users/{id}"));
    assert_eq!(server["active"], true, "the server holds the user enabled again: {server}");
}

#[test]
fn roles_assign_and_remove_change_the_servers_group_and_policy_refuses_what_it_must() {
    let sandbox = bailiwick_tests::SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada = synced(&sandbox, "ada.emea");
    let ada_token = directory.token("ada.emea");

    create_user(&ada, "role.holder", "EMEA/UK", "employee");
    let user_id = id_of(&directory.existing_user(&truth, "role.holder"));

    ada.run(&["roles", "assign", "role.holder", "Template Designer", "--json"]).assert_code(0, "roles assign");
    assert!(
        directory.is_member(&truth, "Template Designer", &user_id),
        "the server's Template Designer group has the new member"
    );

    let listed = ada.run(&["roles", "list", "--json"]);
    listed.assert_code(0, "roles list");
    let roles = listed.json();
    let names: Vec<&str> = roles.as_array().expect("an array").iter().filter_map(|r| r["name"].as_str()).collect();
    for role in [
        "Exstream Content Author",
        "Compliance Reviewer",
        "Production Operator",
        "Template Designer",
        "Exstream Administrator",
        "Customer Data Reader",
    ] {
        assert!(names.contains(&role), "the catalog lists {role}: {names:?}");
    }
    let designer = roles
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["name"] == "Template Designer")
        .cloned()
        .expect("Template Designer is listed");
    assert_eq!(
        designer["holders"].as_u64(),
        Some(directory.members(&ada_token, "Template Designer").len() as u64),
        "holders are the members ada can see on the server: {designer}"
    );
    assert_eq!(designer["groupId"].as_str(), directory.group(&truth, "Template Designer")["id"].as_str());
    assert_eq!(designer["needs_approval"].as_bool().or(designer["needsApproval"].as_bool()), Some(false));

    // What ada may do to role.holder, asked before trying: the held role may be removed, and
    // Production Operator may not be assigned (separation of duties), which the attempt below confirms.
    let actions = ada.run(&["users", "actions", "role.holder", "--json"]);
    actions.assert_code(0, "users actions");
    let actions = actions.json();
    let role_actions = |name: &str| -> Value {
        actions["roles"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["role"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} is among the actions: {actions}"))
    };
    assert_eq!(actions["setActive"]["allowed"], true, "ada manages EMEA users: {actions}");
    let designer_actions = role_actions("Template Designer");
    assert_eq!(designer_actions["held"], true, "{designer_actions}");
    assert_eq!(designer_actions["remove"]["allowed"], true, "{designer_actions}");
    assert!(designer_actions.get("assign").is_none(), "a held role is not offered again: {designer_actions}");
    let operator_actions = role_actions("Production Operator");
    assert_eq!(operator_actions["assign"]["allowed"], false, "{operator_actions}");
    assert_eq!(operator_actions["assign"]["refusal"]["rule"], "separation-of-duties", "{operator_actions}");
    let text = ada.run(&["users", "actions", "role.holder"]);
    text.assert_code(0, "users actions, as text");
    assert!(
        text.stdout.contains("assign Production Operator") && text.stdout.contains("refused (separation-of-duties)"),
        "the text names the refused action and its rule: {}",
        text.stdout
    );

    // Separation of duties: who designs a template may not release it to production.
    let sod = ada.run(&["roles", "assign", "role.holder", "Production Operator", "--json"]);
    sod.assert_code(4, "separation of duties is refused client side");
    let message = error_message(&sod);
    assert!(message.contains("separation-of-duties"), "the refusal names its rule: {message}");
    assert!(
        !directory.is_member(&truth, "Production Operator", &user_id),
        "nothing reached the server's Production Operator group"
    );

    ada.run(&["roles", "remove", "role.holder", "Template Designer", "--json"]).assert_code(0, "roles remove");
    assert!(
        !directory.is_member(&truth, "Template Designer", &user_id),
        "the server's Template Designer group lost the member"
    );

    // michael.johnson is in AMER/US: outside ada's scopes, so not even in her cache.
    let michael = directory.existing_user(&truth, "michael.johnson");
    let outside = ada.run(&["roles", "assign", "michael.johnson", "Template Designer", "--json"]);
    assert!(
        outside.code == 1 || outside.code == 4,
        "a user outside ada's scopes is not found or refused: {}",
        outside.stderr
    );
    assert_eq!(
        holds(&directory.existing_user(&truth, "michael.johnson"), "Template Designer"),
        holds(&michael, "Template Designer"),
        "michael's roles are untouched on the server"
    );
}

#[test]
fn grants_go_through_approval_extension_revocation_and_rejection_on_the_server() {
    let sandbox = bailiwick_tests::SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada = synced(&sandbox, "ada.emea");
    ada.run(&["grants", "mode", "--json"]).assert_code(0, "grants mode");
    assert_eq!(ada.run(&["grants", "mode", "--json"]).json()["mode"], "server", "the sandbox holds grants itself");

    create_user(&ada, "grant.one", "EMEA/DE", "employee");
    create_user(&ada, "grant.two", "EMEA/NL", "employee");
    create_user(&ada, "grant.partner", "EMEA/DE", "partner");
    let one_id = id_of(&directory.existing_user(&truth, "grant.one"));

    let issue = |user: &str, role: &str, until: &str| {
        ada.run(&[
            "grants",
            "issue",
            user,
            role,
            "--bu",
            "EMEA/DE",
            "--until",
            until,
            "--reason",
            "quarter close",
            "--json",
        ])
    };

    // A role that needs a second admin's approval waits on the server.
    let issued = issue("grant.one", "Customer Data Reader", "+7d");
    issued.assert_code(0, "grants issue (needs approval)");
    let issued = issued.json();
    let grant_id = issued["id"].as_str().unwrap_or_else(|| panic!("the issued grant's id: {issued}")).to_owned();
    assert_eq!(issued["status"], "pending", "the CLI shows it pending: {issued}");
    assert_eq!(directory.grant(&truth, &grant_id)["status"], "pending", "the server holds it pending");
    assert!(!directory.is_member(&truth, "Customer Data Reader", &one_id), "no membership before approval");

    let own = ada.run(&["grants", "approve", &grant_id, "--json"]);
    own.assert_code(4, "the requester approving her own grant");
    assert!(error_message(&own).contains("four-eyes"), "the refusal names four-eyes: {}", error_message(&own));
    assert_eq!(directory.grant(&truth, &grant_id)["status"], "pending", "still pending on the server");

    let gina = synced(&sandbox, "gina.global");
    gina.run(&["grants", "approve", &grant_id, "--json"]).assert_code(0, "gina approves");
    let server = directory.grant(&truth, &grant_id);
    assert_eq!(server["status"], "active", "approved on the server: {server}");
    assert_eq!(server["approver"], "gina.global");
    assert!(directory.is_member(&truth, "Customer Data Reader", &one_id), "the active grant made grant.one a member");
    assert!(
        cached_roles(&gina, "grant.one").contains(&"Customer Data Reader".to_owned()),
        "gina's cache has the membership the approval made, before any sync"
    );

    // Extend: ada first learns of the approval (the grant's version moved).
    ada.run(&["sync"]).assert_code(0, "ada syncs after the approval");
    let until_before = server["validUntil"].as_str().unwrap_or_default().to_owned();
    ada.run(&["grants", "extend", &grant_id, "--until", "+20d", "--json"]).assert_code(0, "grants extend");
    let server = directory.grant(&truth, &grant_id);
    let until_after = server["validUntil"].as_str().unwrap_or_default().to_owned();
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap_or_else(|e| panic!("{t}: {e}"));
    assert!(
        parse(&until_after) - parse(&until_before) > chrono::Duration::days(12),
        "validUntil moved about 13 days later on the server: {until_before} → {until_after}"
    );

    ada.run(&["grants", "revoke", &grant_id, "--json"]).assert_code(0, "grants revoke");
    assert_eq!(directory.grant(&truth, &grant_id)["status"], "revoked", "revoked on the server");
    assert!(!directory.is_member(&truth, "Customer Data Reader", &one_id), "the revocation ended the membership");
    assert!(
        !cached_roles(&ada, "grant.one").contains(&"Customer Data Reader".to_owned()),
        "ada's cache drops the membership the revocation ended, before any sync"
    );

    // A second pending grant, rejected by gina.
    let second = issue("grant.two", "Customer Data Reader", "+10d");
    second.assert_code(0, "a second grant needing approval");
    let second_id = second.json()["id"].as_str().expect("the second grant's id").to_owned();

    // The list filters, while the second grant is pending.
    let short = issue("grant.two", "Exstream Content Author", "+3d");
    short.assert_code(0, "a short grant");
    let short = short.json();
    assert_eq!(short["status"], "active", "a role without approval is active at once: {short}");
    let long = issue("grant.two", "Template Designer", "+60d");
    long.assert_code(0, "a long grant");
    let long_id = long.json()["id"].as_str().expect("the long grant's id").to_owned();

    let pending = ada.run(&["grants", "list", "--status", "pending", "--json"]);
    pending.assert_code(0, "grants list --status pending");
    let pending = pending.json();
    let pending = pending.as_array().expect("an array");
    assert!(pending.iter().all(|g| g["status"] == "pending"), "only pending grants: {pending:?}");
    for grant in pending {
        for field in ["id", "user", "role", "bu", "validFrom", "validUntil", "status"] {
            assert!(grant.get(field).is_some(), "contract field {field} missing in {grant}");
        }
    }
    let pending_ids: Vec<&str> = pending.iter().filter_map(|g| g["id"].as_str()).collect();
    assert_eq!(pending_ids, vec![second_id.as_str()], "exactly the second grant is pending");

    let expiring = ada.run(&["grants", "list", "--expiring-within", "5", "--json"]);
    expiring.assert_code(0, "grants list --expiring-within 5");
    let expiring = expiring.json();
    let expiring_ids: Vec<&str> =
        expiring.as_array().expect("an array").iter().filter_map(|g| g["id"].as_str()).collect();
    assert!(expiring_ids.contains(&short["id"].as_str().unwrap_or_default()), "the +3d grant ends within 5 days");
    assert!(!expiring_ids.contains(&long_id.as_str()), "the +60d grant does not");
    assert!(!expiring_ids.contains(&second_id.as_str()), "the +10d grant does not");

    gina.run(&["sync"]).assert_code(0, "gina syncs to see the second grant");
    gina.run(&["grants", "reject", &second_id, "--json"]).assert_code(0, "gina rejects");
    assert_eq!(directory.grant(&truth, &second_id)["status"], "rejected", "rejected on the server");

    // Policy: partners may not hold Compliance Reviewer; windows are bounded by the role.
    let grants_before = directory.grants(&truth).len();
    let partner = issue("grant.partner", "Compliance Reviewer", "+7d");
    partner.assert_code(4, "a partner and a partner-disallowed role");
    assert!(error_message(&partner).contains("partner-allowed"), "names the rule: {}", error_message(&partner));
    let too_long = issue("grant.one", "Exstream Content Author", "+120d");
    too_long.assert_code(4, "a window longer than the role's 90 days");
    assert!(error_message(&too_long).contains("grant-length"), "names the rule: {}", error_message(&too_long));
    assert_eq!(directory.grants(&truth).len(), grants_before, "no refused grant reached the server");

    // The server ends grants itself: a sweep has nothing to do and says so.
    let sweep = ada.run(&["grants", "sweep", "--json"]);
    sweep.assert_code(0, "grants sweep in server mode");
    assert_eq!(sweep.json()["mode"], "server", "the sweep knows the server holds grants: {}", sweep.stdout);
    assert_eq!(directory.grants(&truth).len(), grants_before, "a sweep in server mode changes nothing");
}

#[test]
fn an_offline_change_that_meets_a_server_change_is_a_conflict_resolved_either_way() {
    let sandbox = bailiwick_tests::SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada = synced(&sandbox, "ada.emea");

    for (user, keep_mine) in [("emily.clarke", false), ("lucas.martin", true)] {
        let queued = ada.run(&["--offline", "users", "disable", user, "--json"]);
        queued.assert_code(0, &format!("offline disable of {user}"));
        assert_eq!(change_state(&queued.json()), "queued", "offline, the change waits: {}", queued.stdout);

        let outbox = ada.run(&["outbox", "list", "--json"]);
        outbox.assert_code(0, "outbox list");
        let outbox = outbox.json();
        let entries = outbox.as_array().expect("an array");
        assert_eq!(entries.len(), 1, "one change waits: {outbox}");
        assert_eq!(entries[0]["state"], "queued");
        assert!(entries[0]["target"].as_str().is_some_and(|t| t.contains(user)), "it is about {user}: {outbox}");
        let op_id = entries[0]["id"].as_str().expect("an entry id").to_owned();

        // Meanwhile someone changes the same user on the server.
        let server = directory.existing_user(&truth, user);
        let id = id_of(&server);
        let theirs_name = format!("{} (changed on the server)", server["displayName"].as_str().unwrap_or(user));
        let patched = directory.patch(
            &truth,
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": "displayName", "value": theirs_name}]),
            None,
        );
        assert_eq!(patched.status, 200, "the direct change: {}", patched.body);

        let push = ada.run(&["outbox", "push", "--json"]);
        push.assert_code(5, "the push meets the server's newer version");

        let conflicts = ada.run(&["conflicts", "list", "--json"]);
        conflicts.assert_code(0, "conflicts list");
        let conflicts = conflicts.json();
        let open = conflicts.as_array().expect("an array");
        assert_eq!(open.len(), 1, "one open conflict: {conflicts}");
        let conflict = &open[0];
        assert_eq!(conflict["opId"].as_str(), Some(op_id.as_str()), "the conflict is the queued change's");
        assert_eq!(
            conflict["theirs"]["displayName"].as_str(),
            Some(theirs_name.as_str()),
            "the server's version is kept"
        );
        assert_eq!(conflict["theirsVersion"].as_str(), patched.etag.as_deref(), "with the server's ETag");
        let conflict_id = conflict["id"].as_i64().expect("a conflict id").to_string();

        if keep_mine {
            ada.run(&["conflicts", "resolve", &conflict_id, "--keep-mine", "--json"]).assert_code(0, "keep mine");
            let server = directory.resource(&truth, &format!("/Users/{id}"));
            assert_eq!(server["active"], false, "my change was applied on the server's version: {server}");
            assert_eq!(server["displayName"].as_str(), Some(theirs_name.as_str()), "their change stays too");
        } else {
            ada.run(&["conflicts", "resolve", &conflict_id, "--take-theirs", "--json"]).assert_code(0, "take theirs");
            let cached = ada.run(&["users", "show", user, "--json"]);
            cached.assert_code(0, "users show");
            let cached = cached.json();
            assert_eq!(cached["displayName"].as_str(), Some(theirs_name.as_str()), "the cache has their version");
            assert_eq!(cached["active"], true, "and not my disable: {cached}");
            let all = ada.run(&["outbox", "list", "--all", "--json"]).json();
            let entry = all
                .as_array()
                .into_iter()
                .flatten()
                .find(|e| e["id"].as_str() == Some(op_id.as_str()))
                .cloned()
                .unwrap_or_else(|| panic!("the entry is kept in the outbox history: {all}"));
            assert_eq!(entry["state"], "cancelled", "my change was cancelled: {entry}");
            let server = directory.resource(&truth, &format!("/Users/{id}"));
            assert_eq!(server["active"], true, "nothing of mine reached the server: {server}");
        }
        let open = ada.run(&["conflicts", "list", "--json"]).json();
        assert_eq!(open.as_array().map(Vec::len), Some(0), "no conflict left open: {open}");
    }
}

#[test]
fn the_audit_log_verifies_exports_and_finds_edited_or_removed_entries() {
    let sandbox = bailiwick_tests::SandboxProcess::start();
    // Tampering needs the file open: this profile keeps the cache unencrypted (whoever holds
    // the key could do the same to an encrypted one; the chain catches it either way).
    let ada =
        common::signed_in_with(&common::profile_with_offline_setting(&sandbox, "encrypt_cache = false"), "ada.emea");
    ada.run(&["sync", "--json"]).assert_code(0, "sync as ada.emea");
    create_user(&ada, "audit.subject", "EMEA/DE", "employee");
    ada.run(&["users", "disable", "audit.subject"]).assert_code(0, "disable");
    ada.run(&["users", "edit", "audit.subject", "--given", "Audrey"]).assert_code(0, "edit");
    ada.run(&["roles", "assign", "audit.subject", "Template Designer"]).assert_code(0, "assign");
    ada.run(&["roles", "assign", "audit.subject", "Production Operator"]).assert_code(4, "a refusal is audited too");

    let verified = ada.run(&["audit", "verify", "--json"]);
    verified.assert_code(0, "audit verify on an untouched log");
    let entries = verified.json()["entries"].as_u64().expect("the number of entries");
    assert!(entries >= 5, "every change (and the refusal) is logged: {entries}");

    let csv = ada.run(&["audit", "export", "--format", "csv"]);
    csv.assert_code(0, "audit export csv");
    let lines: Vec<&str> = csv.stdout.lines().filter(|l| !l.is_empty()).collect();
    assert!(lines.first().is_some_and(|h| h.starts_with("seq,")), "a header first: {:?}", lines.first());
    assert_eq!(lines.len() as u64, entries + 1, "one line per entry after the header:\n{}", csv.stdout);

    let exported = ada.run(&["audit", "export", "--format", "json"]);
    exported.assert_code(0, "audit export json");
    let exported = exported.json();
    let array = exported.as_array().expect("the JSON export is an array");
    assert_eq!(array.len() as u64, entries);
    for (i, entry) in array.iter().enumerate() {
        assert_eq!(entry["seq"].as_u64(), Some(i as u64 + 1), "in order: {entry}");
        assert!(entry["hash"].as_str().is_some_and(|h| !h.is_empty()), "a hash: {entry}");
        assert!(entry["prevHash"].as_str().is_some(), "a prevHash: {entry}");
        if i > 0 {
            assert_eq!(entry["prevHash"], array[i - 1]["hash"], "each entry chains to the one before");
        }
    }
    let actor_of_2 = array[1]["actor"].as_str().expect("entry 2's actor").to_owned();

    let cache = common::cache_file(&ada);
    let tamper = |sql: &str| {
        let conn = rusqlite::Connection::open(&cache).expect("open the cache");
        conn.execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    };

    tamper("DROP TRIGGER IF EXISTS audit_log_no_update; UPDATE audit_log SET actor='mallory' WHERE seq=2");
    let edited = ada.run(&["audit", "verify", "--json"]);
    edited.assert_code(1, "audit verify after an edit");
    assert!(error_message(&edited).contains("entry 2"), "names entry 2: {}", error_message(&edited));

    // Put it back exactly: the chain is whole again, so the check is of content, not of a flag.
    tamper(&format!("UPDATE audit_log SET actor='{actor_of_2}' WHERE seq=2"));
    ada.run(&["audit", "verify", "--json"]).assert_code(0, "audit verify after the edit was undone");

    tamper("DROP TRIGGER IF EXISTS audit_log_no_delete; DELETE FROM audit_log WHERE seq=3");
    let removed = ada.run(&["audit", "verify", "--json"]);
    removed.assert_code(1, "audit verify after a removal");
    assert!(error_message(&removed).contains('3'), "names the missing entry 3: {}", error_message(&removed));

    // Removing the newest entry leaves an unbroken chain: the recorded head catches it.
    tamper(&format!("DELETE FROM audit_log WHERE seq={entries}"));
    let truncated = ada.run(&["audit", "verify", "--json"]);
    truncated.assert_code(1, "audit verify after the last entry was removed");
    assert!(error_message(&truncated).contains(&entries.to_string()), "names it: {}", error_message(&truncated));
}

#[test]
fn a_user_import_reports_each_row_changes_nothing_on_a_dry_run_and_resumes() {
    let sandbox = bailiwick_tests::SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada = synced(&sandbox, "ada.emea");
    let dir = tempfile::tempdir().expect("temp dir");

    let mixed = dir.path().join("mixed.csv");
    std::fs::write(
        &mixed,
        "userName,bu,type,givenName,familyName,email\n\
         imp.one,EMEA/DE,employee,Imp,One,imp.one@example.com\n\
         imp.two,EMEA/FR,partner,Imp,Two,\n\
         anna.schmidt,EMEA/DE,employee,,,\n\
         imp.outside,AMER/US,employee,,,\n\
         imp.nobu,,employee,,,\n",
    )
    .expect("write the CSV");
    let mixed = mixed.display().to_string();

    let dry = ada.run(&["users", "import", &mixed, "--dry-run", "--json"]);
    assert_eq!(dry.code, 4, "a dry run with a refused row exits 4\nstdout:\n{}\nstderr:\n{}", dry.stdout, dry.stderr);
    let rows = first_json(&dry);
    let rows = rows.as_array().unwrap_or_else(|| panic!("the report is an array of rows: {rows}"));
    let outcome = |subject: &str| {
        rows.iter()
            .find(|r| r["subject"] == subject)
            .unwrap_or_else(|| panic!("no row for {subject}: {rows:?}"))
            .clone()
    };
    assert_eq!(outcome("imp.one")["outcome"], "queued");
    assert_eq!(outcome("imp.two")["outcome"], "queued");
    assert_eq!(outcome("anna.schmidt")["outcome"], "skipped", "an existing user is skipped");
    let outside = outcome("imp.outside");
    assert_eq!(outside["outcome"], "refused", "AMER is outside ada's scopes: {outside}");
    assert_eq!(outside["refusal"]["rule"], "scope", "the refused row names its rule: {outside}");
    let invalid: Vec<&Value> = rows.iter().filter(|r| r["outcome"] == "invalid").collect();
    assert_eq!(invalid.len(), 1, "the row without a BU is invalid: {rows:?}");
    assert_eq!(invalid[0]["line"], 6, "reported with its line");

    let outbox = ada.run(&["outbox", "list", "--all", "--json"]).json();
    assert_eq!(outbox.as_array().map(Vec::len), Some(0), "a dry run records nothing: {outbox}");
    assert!(directory.user(&truth, "imp.one").is_none(), "a dry run sends nothing");

    let clean = dir.path().join("clean.csv");
    std::fs::write(
        &clean,
        "userName,bu,type,givenName,familyName,email\n\
         imp.one,EMEA/DE,employee,Imp,One,imp.one@example.com\n\
         imp.two,EMEA/FR,partner,Imp,Two,\n\
         anna.schmidt,EMEA/DE,employee,,,\n",
    )
    .expect("write the CSV");
    let clean = clean.display().to_string();

    let imported = ada.run(&["users", "import", &clean, "--json"]);
    imported.assert_code(0, "the import");
    let rows = imported.json();
    let queued = rows.as_array().into_iter().flatten().filter(|r| r["outcome"] == "queued").count();
    assert_eq!(queued, 2, "two rows queued: {rows}");
    let one = directory.existing_user(&truth, "imp.one");
    assert_eq!(division(&one), Some("EMEA/DE"), "imp.one is on the server in its BU: {one}");
    assert_eq!(one["emails"][0]["value"], "imp.one@example.com");
    let two = directory.existing_user(&truth, "imp.two");
    assert_eq!(division(&two), Some("EMEA/FR"));
    assert_eq!(two["userType"], "Partner");
    let pending = ada.run(&["outbox", "list", "--json"]).json();
    assert_eq!(pending.as_array().map(Vec::len), Some(0), "nothing left waiting: {pending}");

    let again = ada.run(&["users", "import", &clean, "--json"]);
    again.assert_code(0, "the import run again");
    let rows = again.json();
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["outcome"] == "skipped"), "every row is skipped the second time: {rows:?}");
    let done = ada.run(&["outbox", "list", "--all", "--json"]).json();
    assert_eq!(done.as_array().map(Vec::len), Some(2), "no new change was recorded: {done}");
}

#[test]
fn a_role_import_reports_each_row_assigns_on_the_server_and_resumes() {
    let sandbox = bailiwick_tests::SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada_token = directory.token("ada.emea");
    let ada = synced(&sandbox, "ada.emea");
    create_user(&ada, "ri.one", "EMEA/DE", "employee");
    create_user(&ada, "ri.two", "EMEA/FR", "employee");
    ada.run(&["sync"]).assert_code(0, "sync after the creations");
    let one_id = id_of(&directory.existing_user(&truth, "ri.one"));
    let two_id = id_of(&directory.existing_user(&truth, "ri.two"));

    // An EMEA Template Designer who is no Production Operator: giving them that role breaks
    // separation of duties.
    let operators = directory.members(&ada_token, "Production Operator");
    let designer_id = directory
        .members(&ada_token, "Template Designer")
        .into_iter()
        .find(|m| !operators.contains(m))
        .expect("an EMEA Template Designer who is not a Production Operator");
    let designer = directory.resource(&truth, &format!("/Users/{designer_id}"));
    let designer_name = designer["userName"].as_str().expect("a userName").to_owned();

    let dir = tempfile::tempdir().expect("temp dir");
    let mixed = dir.path().join("mixed.csv");
    std::fs::write(
        &mixed,
        format!(
            "user,role\nri.one,Template Designer\nri.two,Exstream Content Author\n{designer_name},Template Designer\n\
             {designer_name},Production Operator\nri.one,No Such Role\n"
        ),
    )
    .expect("write the CSV");
    let dry = ada.run(&["roles", "import", &mixed.display().to_string(), "--dry-run", "--json"]);
    assert_eq!(dry.code, 4, "a dry run with a refused row exits 4\nstdout:\n{}\nstderr:\n{}", dry.stdout, dry.stderr);
    let rows = first_json(&dry);
    let rows = rows.as_array().unwrap_or_else(|| panic!("the report is an array of rows: {rows}"));
    let by_line = |line: u64| {
        rows.iter().find(|r| r["line"].as_u64() == Some(line)).cloned().unwrap_or_else(|| panic!("no line {line}"))
    };
    assert_eq!(by_line(2)["outcome"], "queued");
    assert_eq!(by_line(3)["outcome"], "queued");
    assert_eq!(by_line(4)["outcome"], "skipped", "a role held already is skipped: {}", by_line(4));
    assert_eq!(by_line(5)["outcome"], "refused");
    assert_eq!(by_line(5)["refusal"]["rule"], "separation-of-duties", "names the rule: {}", by_line(5));
    assert_eq!(by_line(6)["outcome"], "invalid", "an unknown role is invalid: {}", by_line(6));
    let outbox = ada.run(&["outbox", "list", "--all", "--json"]).json();
    let recorded = outbox.as_array().map(Vec::len).unwrap_or_default();
    assert_eq!(recorded, 2, "only the two creations are in the outbox; the dry run added nothing: {outbox}");
    assert!(!directory.is_member(&truth, "Template Designer", &one_id), "a dry run sends nothing");

    let clean = dir.path().join("clean.csv");
    std::fs::write(
        &clean,
        format!(
            "user,role\nri.one,Template Designer\nri.two,Exstream Content Author\n{designer_name},Template Designer\n"
        ),
    )
    .expect("write the CSV");
    let clean = clean.display().to_string();
    ada.run(&["roles", "import", &clean, "--json"]).assert_code(0, "the role import");
    assert!(directory.is_member(&truth, "Template Designer", &one_id), "ri.one is a Template Designer on the server");
    assert!(directory.is_member(&truth, "Exstream Content Author", &two_id), "ri.two is an author on the server");
    assert!(!directory.is_member(&truth, "Production Operator", &designer_id), "the refused row never ran");

    let again = ada.run(&["roles", "import", &clean, "--json"]);
    again.assert_code(0, "the role import run again");
    let rows = again.json();
    assert!(
        rows.as_array().is_some_and(|r| r.len() == 3 && r.iter().all(|row| row["outcome"] == "skipped")),
        "every row is skipped the second time: {rows}"
    );
}

#[test]
fn editing_the_email_of_a_user_created_without_one_sets_it_on_the_server() {
    let sandbox = bailiwick_tests::SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada = synced(&sandbox, "ada.emea");

    // `users create` without --email is allowed, so the user has no e-mail at all.
    create_user(&ada, "no.mail", "EMEA/DE", "employee");
    let before = directory.existing_user(&truth, "no.mail");
    assert!(before["emails"].as_array().is_none_or(Vec::is_empty), "created without e-mail: {before}");

    let edited = ada.run(&["users", "edit", "no.mail", "--email", "no.mail@example.com", "--json"]);
    edited.assert_code(0, "users edit --email on a user without an e-mail");
    let after = directory.resource(&truth, &format!("/Users/{}", id_of(&before)));
    assert!(
        after["emails"].as_array().into_iter().flatten().any(|e| e["value"] == "no.mail@example.com"),
        "the server holds the new e-mail: {after}"
    );
}

#[test]
fn a_bulk_change_reports_each_user_changes_the_server_and_resumes() {
    let sandbox = bailiwick_tests::SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada = synced(&sandbox, "ada.emea");
    let selected = ["anna.schmidt", "lucas.martin"];
    let ids: Vec<String> = selected.iter().map(|u| id_of(&directory.existing_user(&truth, u))).collect();
    let active_on_server = |user: &str| directory.existing_user(&truth, user)["active"] != false;

    // michael.johnson is in AMER/US, outside ada's scopes: not in her cache, so invalid. ada
    // herself is refused (self-lockout).
    let dry = ada.run(&[
        "users",
        "bulk",
        "anna.schmidt",
        "lucas.martin",
        "michael.johnson",
        "ada.emea",
        "--disable",
        "--dry-run",
        "--json",
    ]);
    assert_ne!(dry.code, 0, "an invalid row fails the run\nstdout:\n{}\nstderr:\n{}", dry.stdout, dry.stderr);
    let rows = first_json(&dry);
    let outcomes: Vec<(&str, &str)> = rows
        .as_array()
        .unwrap_or_else(|| panic!("the report is an array of rows: {rows}"))
        .iter()
        .map(|r| (r["subject"].as_str().unwrap_or(""), r["outcome"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("anna.schmidt", "queued"),
            ("lucas.martin", "queued"),
            ("michael.johnson", "invalid"),
            ("ada.emea", "refused")
        ],
        "row by row: {rows}"
    );
    assert_eq!(rows[3]["refusal"]["rule"], "self-lockout", "names the rule: {rows}");
    assert!(selected.iter().all(|u| active_on_server(u)), "a dry run sends nothing");

    ada.run(&["users", "bulk", "anna.schmidt", "lucas.martin", "--disable", "--json"]).assert_code(0, "bulk disable");
    assert!(selected.iter().all(|u| !active_on_server(u)), "both are disabled on the server");
    let again = ada.run(&["users", "bulk", "anna.schmidt", "lucas.martin", "--disable", "--json"]);
    again.assert_code(0, "bulk disable again");
    let rows = again.json();
    assert!(
        rows.as_array().is_some_and(|r| r.len() == 2 && r.iter().all(|row| row["outcome"] == "skipped")),
        "users disabled already are skipped: {rows}"
    );
    ada.run(&["users", "bulk", "anna.schmidt", "lucas.martin", "--enable"]).assert_code(0, "bulk enable");
    assert!(selected.iter().all(|u| active_on_server(u)), "both are enabled again");

    let role = "Exstream Content Author";
    ada.run(&["users", "bulk", "anna.schmidt", "lucas.martin", "--assign-role", role]).assert_code(0, "bulk assign");
    assert!(ids.iter().all(|id| directory.is_member(&truth, role, id)), "both hold the role on the server");
    ada.run(&["users", "bulk", "anna.schmidt", "lucas.martin", "--remove-role", role]).assert_code(0, "bulk remove");
    assert!(ids.iter().all(|id| !directory.is_member(&truth, role, id)), "neither holds it any more");

    let unknown = ada.run(&["users", "bulk", "anna.schmidt", "--assign-role", "No Such Role", "--json"]);
    assert_ne!(unknown.code, 0, "an unknown role fails the whole change");
    assert!(error_message(&unknown).contains("No Such Role"), "names the role: {}", error_message(&unknown));
    let nothing = ada.run(&["users", "bulk", "anna.schmidt"]);
    assert_ne!(nothing.code, 0, "a bulk change must say what to change");
}
