//! The server stays the authority: whatever `bailiwick` refuses client side for an admin out
//! of scope or without the capability, the sandbox refuses too when the same admin sends the
//! request straight to it (403 with a SCIM error body), and its state does not change.
//!
//! The client's refusal is a convenience; a modified or buggy client must gain nothing.

mod common;

use bailiwick_tests::{CliRun, SandboxProcess};
use common::{division, holds, id_of, synced, Directory};
use serde_json::{json, Value};

fn error_message(run: &CliRun) -> String {
    run.json()["error"]["message"].as_str().unwrap_or_default().to_owned()
}

/// A refusal by policy: exit 4 and the rule named.
fn assert_refused(run: &CliRun, rule: &str, what: &str) {
    run.assert_code(4, what);
    let message = error_message(run);
    assert!(message.contains(&format!("rule {rule}")), "{what}: the refusal names rule {rule}: {message}");
}

/// A user simply invisible to the admin: not in their cache, so not found (exit 1).
fn assert_not_found(run: &CliRun, what: &str) {
    run.assert_code(1, what);
    assert!(error_message(run).contains("no user"), "{what}: says the user is not found: {}", error_message(run));
}

/// The `POST /Grants` body the sandbox's Grant schema takes.
fn grant_body(user_id: &str, role_id: &str, bu: &str) -> Value {
    let until = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    json!({
        "schemas": ["urn:bailiwick:params:scim:schemas:core:2.0:Grant"],
        "user": {"value": user_id},
        "role": {"value": role_id},
        "bu": bu,
        "validUntil": until,
        "justification": "sent straight to the server",
    })
}

#[test]
fn ravi_cannot_disable_move_or_assign_roles_outside_apac_in() {
    let sandbox = SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ravi_token = directory.token("ravi.apac");
    let ravi = synced(&sandbox, "ravi.apac");

    // Disabling an EMEA user: invisible to ravi's client, refused by the server.
    let anna = directory.existing_user(&truth, "anna.schmidt");
    let anna_id = id_of(&anna);
    assert_not_found(&ravi.run(&["users", "disable", "anna.schmidt", "--json"]), "ravi disables anna");
    let direct = directory.patch(
        &ravi_token,
        &format!("/Users/{anna_id}"),
        json!([{"op": "replace", "path": "active", "value": false}]),
        None,
    );
    direct.assert_scim_error(403, "ravi's PATCH of an EMEA user");
    let after = directory.resource(&truth, &format!("/Users/{anna_id}"));
    assert_eq!(after["active"], anna["active"], "anna's active flag is unchanged");
    assert_eq!(after["meta"]["version"], anna["meta"]["version"], "anna was not written at all");

    // Moving his own user to EMEA: refused by the client (scope), and by the server.
    let priya = directory.existing_user(&truth, "priya.raman");
    let priya_id = id_of(&priya);
    assert_eq!(division(&priya), Some("APAC/IN"), "priya is ravi's");
    assert_refused(
        &ravi.run(&["users", "edit", "priya.raman", "--bu", "EMEA/DE", "--json"]),
        "scope",
        "ravi moves priya",
    );
    let direct = directory.patch(
        &ravi_token,
        &format!("/Users/{priya_id}"),
        json!([{"op": "replace", "path": format!("{}:division", common::ENTERPRISE), "value": "EMEA/DE"}]),
        None,
    );
    direct.assert_scim_error(403, "ravi's PATCH moving priya to EMEA");
    let after = directory.resource(&truth, &format!("/Users/{priya_id}"));
    assert_eq!(division(&after), Some("APAC/IN"), "priya stays in APAC/IN");
    assert_eq!(after["meta"]["version"], priya["meta"]["version"], "priya was not written");

    // Assigning an EMEA user a role: invisible to the client, refused by the server.
    let role = ["Template Designer", "Exstream Content Author", "Production Operator"]
        .into_iter()
        .find(|r| !holds(&anna, r))
        .expect("anna lacks one of these roles");
    assert_not_found(&ravi.run(&["roles", "assign", "anna.schmidt", role, "--json"]), "ravi assigns anna a role");
    let group = directory.group(&truth, role);
    let group_id = id_of(&group);
    let group_before = directory.resource(&truth, &format!("/Groups/{group_id}"));
    let direct = directory.patch(
        &ravi_token,
        &format!("/Groups/{group_id}"),
        json!([{"op": "add", "path": "members", "value": [{"value": anna_id}]}]),
        None,
    );
    direct.assert_scim_error(403, "ravi's PATCH adding anna to a role");
    assert!(!directory.is_member(&truth, role, &anna_id), "anna did not become a member of {role}");
    let group_after = directory.resource(&truth, &format!("/Groups/{group_id}"));
    assert_eq!(group_after["meta"]["version"], group_before["meta"]["version"], "the group was not written");

    // Deleting an EMEA user outright.
    directory
        .request(&ravi_token, reqwest::Method::DELETE, &format!("/Users/{anna_id}"), None, None)
        .assert_scim_error(403, "ravi's DELETE of an EMEA user");
    assert!(directory.user(&truth, "anna.schmidt").is_some(), "anna still exists");

    // Removing an EMEA member from a role: the member is invisible to ravi and stays.
    let ada_token = directory.token("ada.emea");
    let emea_member = directory
        .members(&ada_token, "Exstream Content Author")
        .into_iter()
        .next()
        .expect("Exstream Content Author has EMEA members");
    let authors = id_of(&directory.group(&truth, "Exstream Content Author"));
    let removal = directory.patch(
        &ravi_token,
        &format!("/Groups/{authors}"),
        json!([{"op": "remove", "path": format!("members[value eq \"{emea_member}\"]")}]),
        None,
    );
    assert!(removal.status < 500, "the server answers the removal cleanly: {} {}", removal.status, removal.body);
    assert!(
        directory.is_member(&truth, "Exstream Content Author", &emea_member),
        "an EMEA member stays whatever ravi sends (answer {} {})",
        removal.status,
        removal.body
    );
}

#[test]
fn admins_without_the_capability_or_the_scope_cannot_decide_or_revoke_an_emea_grant() {
    let sandbox = SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada_token = directory.token("ada.emea");

    // A pending EMEA grant, issued straight on the server by ada.
    let anna_id = id_of(&directory.existing_user(&truth, "anna.schmidt"));
    let role_id = id_of(&directory.group(&truth, "Customer Data Reader"));
    let member_before = directory.is_member(&truth, "Customer Data Reader", &anna_id);
    let issued = directory.post(&ada_token, "/Grants", &grant_body(&anna_id, &role_id, "EMEA/DE"));
    assert_eq!(issued.status, 201, "ada issues the grant: {}", issued.body);
    let grant_id = id_of(&issued.body);
    assert_eq!(issued.body["status"], "pending", "Customer Data Reader waits for approval");
    let version = directory.grant(&truth, &grant_id)["meta"]["version"].clone();
    let approve = json!([{"op": "replace", "path": "status", "value": "active"}]);

    // cora reviews EMEA but may not approve grants.
    let cora = synced(&sandbox, "cora.compliance");
    assert_refused(&cora.run(&["grants", "approve", &grant_id, "--json"]), "capability", "cora approves");
    directory
        .patch(&directory.token("cora.compliance"), &format!("/Grants/{grant_id}"), approve.clone(), None)
        .assert_scim_error(403, "cora's PATCH approving the grant");

    // ravi cannot see the grant at all.
    let ravi = synced(&sandbox, "ravi.apac");
    let revoke = ravi.run(&["grants", "revoke", &grant_id, "--json"]);
    revoke.assert_code(1, "ravi revokes an EMEA grant he cannot see");
    assert!(error_message(&revoke).contains("no grant"), "not found: {}", error_message(&revoke));
    let ravi_token = directory.token("ravi.apac");
    directory
        .request(&ravi_token, reqwest::Method::DELETE, &format!("/Grants/{grant_id}"), None, None)
        .assert_scim_error(403, "ravi's DELETE of an EMEA grant");
    directory
        .patch(&ravi_token, &format!("/Grants/{grant_id}"), approve, None)
        .assert_scim_error(403, "ravi's PATCH approving an EMEA grant");

    let after = directory.grant(&truth, &grant_id);
    assert_eq!(after["status"], "pending", "the grant is still pending: {after}");
    assert_eq!(after["meta"]["version"], version, "the grant was not written");
    assert_eq!(
        directory.is_member(&truth, "Customer Data Reader", &anna_id),
        member_before,
        "anna's membership is as it was"
    );
}

#[test]
fn ravi_cannot_issue_a_grant_in_emea() {
    let sandbox = SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ravi_token = directory.token("ravi.apac");
    let ravi = synced(&sandbox, "ravi.apac");
    let grants_before = directory.grants(&truth).len();

    let role_id = id_of(&directory.group(&truth, "Exstream Content Author"));
    let priya = directory.existing_user(&truth, "priya.raman");
    let priya_id = id_of(&priya);
    let anna = directory.existing_user(&truth, "anna.schmidt");
    let anna_id = id_of(&anna);

    // His own user, but the grant's BU is EMEA.
    let issue = ravi.run(&[
        "grants",
        "issue",
        "priya.raman",
        "Exstream Content Author",
        "--bu",
        "EMEA/DE",
        "--until",
        "+7d",
        "--reason",
        "out of scope",
        "--json",
    ]);
    assert_refused(&issue, "scope", "ravi issues a grant in EMEA/DE");
    directory
        .post(&ravi_token, "/Grants", &grant_body(&priya_id, &role_id, "EMEA/DE"))
        .assert_scim_error(403, "ravi's POST of a grant in EMEA/DE");

    // An EMEA user, in his own BU: the user is invisible to the client, refused by the server.
    let issue = ravi.run(&[
        "grants",
        "issue",
        "anna.schmidt",
        "Exstream Content Author",
        "--bu",
        "APAC/IN",
        "--until",
        "+7d",
        "--reason",
        "out of scope",
        "--json",
    ]);
    assert_not_found(&issue, "ravi issues anna a grant");
    directory
        .post(&ravi_token, "/Grants", &grant_body(&anna_id, &role_id, "APAC/IN"))
        .assert_scim_error(403, "ravi's POST of a grant for an EMEA user");

    assert_eq!(directory.grants(&truth).len(), grants_before, "no grant was created on the server");
    let anna_after = directory.existing_user(&truth, "anna.schmidt");
    assert_eq!(anna_after["groups"], anna["groups"], "anna's roles are unchanged");
    let priya_after = directory.existing_user(&truth, "priya.raman");
    assert_eq!(priya_after["groups"], priya["groups"], "priya's roles are unchanged");
}

#[test]
fn paula_without_manage_users_cannot_create_a_user() {
    let sandbox = SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let paula_token = directory.token("paula.partners");
    let paula = synced(&sandbox, "paula.partners");

    let create = paula.run(&["users", "create", "--user-name", "paula.made", "--bu", "AMER/US", "--json"]);
    assert_refused(&create, "capability", "paula creates a user");
    assert!(directory.user(&truth, "paula.made").is_none(), "the client sent nothing");

    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", common::ENTERPRISE],
        "userName": "paula.direct",
        "active": true,
        common::ENTERPRISE: {"division": "AMER/US"},
    });
    directory.post(&paula_token, "/Users", &body).assert_scim_error(403, "paula's POST /Users");
    assert!(directory.user(&truth, "paula.direct").is_none(), "the server created nobody");
}

#[test]
fn cora_without_issue_grants_cannot_issue_a_grant() {
    let sandbox = SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let cora_token = directory.token("cora.compliance");
    let cora = synced(&sandbox, "cora.compliance");
    let grants_before = directory.grants(&truth).len();

    let issue = cora.run(&[
        "grants",
        "issue",
        "anna.schmidt",
        "Exstream Content Author",
        "--bu",
        "EMEA/DE",
        "--until",
        "+7d",
        "--reason",
        "review only",
        "--json",
    ]);
    assert_refused(&issue, "capability", "cora issues a grant");

    let anna_id = id_of(&directory.existing_user(&truth, "anna.schmidt"));
    let role_id = id_of(&directory.group(&truth, "Exstream Content Author"));
    directory
        .post(&cora_token, "/Grants", &grant_body(&anna_id, &role_id, "EMEA/DE"))
        .assert_scim_error(403, "cora's POST /Grants");
    assert_eq!(directory.grants(&truth).len(), grants_before, "no grant was created on the server");
}

#[test]
fn the_server_refuses_a_grant_that_would_hand_out_capabilities_the_issuer_lacks() {
    let sandbox = SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let paula_token = directory.token("paula.partners");
    let paula = synced(&sandbox, "paula.partners");
    let grants_before = directory.grants(&truth).len();

    // Exstream Administrator confers manage-users and manage-roles; paula has issue-grants only.
    let michael = directory.existing_user(&truth, "michael.johnson");
    assert_eq!(michael["userType"], "Employee", "michael may hold any role as far as his type goes");
    assert_eq!(division(&michael), Some("AMER/US"), "michael is in paula's scope");
    let issue = paula.run(&[
        "grants",
        "issue",
        "michael.johnson",
        "Exstream Administrator",
        "--bu",
        "AMER/US",
        "--until",
        "+7d",
        "--reason",
        "escalation",
        "--json",
    ]);
    assert_refused(&issue, "no-escalation", "paula grants a role above her own capabilities");

    let role_id = id_of(&directory.group(&truth, "Exstream Administrator"));
    let direct = directory.post(&paula_token, "/Grants", &grant_body(&id_of(&michael), &role_id, "AMER/US"));
    assert_eq!(
        directory.grants(&truth).len(),
        grants_before,
        "the server must not record a grant of a role conferring capabilities paula lacks (the server answered {})",
        direct.status
    );
    direct.assert_scim_error(403, "paula's POST of an Exstream Administrator grant");
}

#[test]
fn the_server_refuses_a_membership_that_breaks_separation_of_duties() {
    let sandbox = SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada_token = directory.token("ada.emea");
    let ada = synced(&sandbox, "ada.emea");

    // An EMEA Template Designer who is no Production Operator.
    let operators = directory.members(&ada_token, "Production Operator");
    let designer_id = directory
        .members(&ada_token, "Template Designer")
        .into_iter()
        .find(|m| !operators.contains(m))
        .expect("an EMEA Template Designer who is not a Production Operator");
    let designer = directory.resource(&truth, &format!("/Users/{designer_id}"));
    let designer_name = designer["userName"].as_str().expect("a userName").to_owned();

    let assign = ada.run(&["roles", "assign", &designer_name, "Production Operator", "--json"]);
    assert_refused(&assign, "separation-of-duties", "ada makes a designer an operator");

    let operator_group = id_of(&directory.group(&truth, "Production Operator"));
    let direct = directory.patch(
        &ada_token,
        &format!("/Groups/{operator_group}"),
        json!([{"op": "add", "path": "members", "value": [{"value": designer_id}]}]),
        None,
    );
    assert!(
        !directory.is_member(&truth, "Production Operator", &designer_id),
        "the server must not make a Template Designer a Production Operator (the server answered {})",
        direct.status
    );
    direct.assert_scim_error(403, "ada's PATCH adding a designer to Production Operator");
}

#[test]
fn the_server_refuses_a_partner_membership_of_a_role_closed_to_partners() {
    let sandbox = SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada_token = directory.token("ada.emea");
    let ada = synced(&sandbox, "ada.emea");

    // Compliance Reviewer: partner_allowed = false in the role catalog.
    let reviewers = directory.members(&truth, "Compliance Reviewer");
    let partner = directory
        .find(&ada_token, "Users", "userType eq \"Partner\"")
        .into_iter()
        .find(|u| u["id"].as_str().is_some_and(|id| !reviewers.iter().any(|r| r == id)))
        .expect("an EMEA partner who is no Compliance Reviewer");
    let partner_id = id_of(&partner);
    let partner_name = partner["userName"].as_str().expect("a userName").to_owned();

    let assign = ada.run(&["roles", "assign", &partner_name, "Compliance Reviewer", "--json"]);
    assert_refused(&assign, "partner-allowed", "ada makes a partner a compliance reviewer");

    let group = id_of(&directory.group(&truth, "Compliance Reviewer"));
    let direct = directory.patch(
        &ada_token,
        &format!("/Groups/{group}"),
        json!([{"op": "add", "path": "members", "value": [{"value": partner_id}]}]),
        None,
    );
    assert!(
        !directory.is_member(&truth, "Compliance Reviewer", &partner_id),
        "the server must not make a partner a Compliance Reviewer (the server answered {})",
        direct.status
    );
    direct.assert_scim_error(403, "ada's PATCH adding a partner to Compliance Reviewer");
}

#[test]
fn an_admin_cannot_disable_their_own_account_through_the_client_or_the_server() {
    let sandbox = SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada = synced(&sandbox, "ada.emea");
    let me = directory.existing_user(&truth, "ada.emea");
    let my_id = id_of(&me);

    assert_refused(&ada.run(&["users", "disable", "ada.emea", "--json"]), "self-lockout", "ada disables herself");
    let direct = directory.patch(
        &directory.token("ada.emea"),
        &format!("/Users/{my_id}"),
        json!([{"op": "replace", "path": "active", "value": false}]),
        None,
    );
    direct.assert_scim_error(403, "ada's PATCH disabling herself");
    let after = directory.resource(&truth, &format!("/Users/{my_id}"));
    assert_eq!(after["active"], me["active"], "ada is still active");
    assert_eq!(after["meta"]["version"], me["meta"]["version"], "ada was not written at all");
}

#[test]
fn an_admin_cannot_take_from_themselves_a_role_that_confers_capabilities() {
    let sandbox = SandboxProcess::start();
    let directory = Directory::of(&sandbox);
    let truth = directory.token("gina.global");
    let ada_token = directory.token("ada.emea");
    let my_id = id_of(&directory.existing_user(&truth, "ada.emea"));
    let other = id_of(&directory.existing_user(&truth, "anna.schmidt"));

    // Exstream Administrator confers manage-users and manage-roles: ada holds it, and so does anna.
    let admin_role = id_of(&directory.group(&truth, "Exstream Administrator"));
    let path = format!("/Groups/{admin_role}");
    let add = json!([{"op": "add", "path": "members", "value": [{"value": my_id}, {"value": other}]}]);
    let added = directory.patch(&ada_token, &path, add, None);
    assert_eq!(added.status, 200, "ada makes herself and anna administrators: {}", added.body);
    let ada = synced(&sandbox, "ada.emea");

    let remove = ada.run(&["roles", "remove", "ada.emea", "Exstream Administrator", "--json"]);
    assert_refused(&remove, "self-lockout", "ada removes her own administrator role");
    let direct = directory.patch(
        &ada_token,
        &path,
        json!([{"op": "remove", "path": format!("members[value eq \"{my_id}\"]")}]),
        None,
    );
    direct.assert_scim_error(403, "ada's PATCH removing herself from Exstream Administrator");
    assert!(directory.is_member(&truth, "Exstream Administrator", &my_id), "ada is still an administrator");

    // Taking it from someone else is an ordinary change.
    ada.run(&["roles", "remove", "anna.schmidt", "Exstream Administrator", "--json"])
        .assert_code(0, "ada removes anna's administrator role");
    assert!(!directory.is_member(&truth, "Exstream Administrator", &other), "anna is no longer one");
}
