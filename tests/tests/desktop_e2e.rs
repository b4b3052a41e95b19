//! The desktop app end to end: the real app binary (UI embedded) under tauri-driver and
//! WebKitWebDriver, on Xvfb. A new user opens the demo workspace, signs in through the system
//! browser (a stand-in `xdg-open` that fills the sandbox's sign-in form), and finds users of
//! their business units — and only those — by typing in the search box.
//!
//! Run: `xvfb-run -a cargo test -p bailiwick-tests --test desktop_e2e` inside the same
//! `dbus-run-session` + unlocked gnome-keyring as the CLI tests (`make test` does both),
//! after building the e2e app (see `bailiwick_tests::desktop::app_binary`).

use std::time::Duration;

use bailiwick_tests::desktop::{app_binary, eventually, find_test_id, save_screenshot, TauriDriver};
use bailiwick_tests::{free_port, seeded_users, FakeBrowser, SandboxProcess};
use fantoccini::{Client, Locator};

fn in_emea(bu: &str) -> bool {
    bu == "EMEA" || bu.starts_with("EMEA/")
}

/// (userName, BU) of every row the table shows now.
async fn visible_rows(client: &Client) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for row in client.find_all(Locator::Css("[data-testid='user-row']")).await.unwrap_or_default() {
        // Attributes, not visible text: WebDriver's text of a cell cut off by the window is "".
        let name = row.attr("data-user-name").await.ok().flatten().unwrap_or_default();
        let bu = row.attr("data-bu").await.ok().flatten().unwrap_or_default();
        rows.push((name, bu));
    }
    rows
}

/// tauri-driver whose apps use `data_dir`, sign in through `browser`, and run the demo IAM on
/// a port of their own (so parallel runs and a developer's demo do not clash).
fn start_driver(data_dir: &tempfile::TempDir, browser: &FakeBrowser) -> TauriDriver {
    let demo_port = free_port();
    TauriDriver::start(|command| {
        browser.apply(command);
        command
            .env("BAILIWICK_DATA_DIR", data_dir.path())
            .env("BAILIWICK_DEMO_PORT", demo_port.to_string())
            // The app as shipped: it turns WebKit's compositing off itself (webkit_env.rs).
            .env_remove("WEBKIT_DISABLE_COMPOSITING_MODE")
            .env_remove("BAILIWICK_WEBKIT_COMPOSITING")
            // ... and JavaScriptCore's JIT compilers.
            .env_remove("JSC_useJIT")
            .env_remove("BAILIWICK_WEBKIT_JIT")
            // ... and JavaScriptCore's first full collection.
            .env_remove("JSC_largeHeapSize")
            .env_remove("BAILIWICK_WEBKIT_JS_HEAP")
            // ... and OpenGL in its own process.
            .env_remove("GDK_GL")
            .env_remove("__EGL_VENDOR_LIBRARY_FILENAMES")
            // The app follows the system language; these tests find buttons by their English names.
            // (WebKitGTK takes navigator.language from LANGUAGE; C.UTF-8 exists on every machine.)
            .env("LANG", "C.UTF-8")
            .env("LANGUAGE", "en_US");
    })
}

async fn search_for(client: &Client, text: &str) {
    let search = find_test_id(client, "user-search", Duration::from_secs(10)).await;
    let current = search.prop("value").await.ok().flatten().unwrap_or_default();
    // Backspaces rather than `clear()`: React's onChange only fires for real input events.
    let erase: String = "\u{E003}".repeat(current.chars().count());
    search.send_keys(&format!("{erase}{text}")).await.expect("type into the search box");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_workspace_sign_in_and_search_shows_only_the_admins_business_units() {
    let seeded = seeded_users();
    // A known EMEA user (prefer the one the brief names), and one outside EMEA.
    let emea_user = seeded
        .iter()
        .filter(|(_, bu)| in_emea(bu))
        .min_by_key(|(name, _)| (!name.contains("anna"), name.clone()))
        .map(|(name, _)| name.clone())
        .expect("the sandbox seeds EMEA users");
    // Its name must not be part of an EMEA user's name, or the search would rightly find that one.
    let outsider = seeded
        .iter()
        .find(|(name, bu)| {
            !bu.is_empty()
                && !in_emea(bu)
                && !seeded.iter().any(|(other, obu)| in_emea(obu) && other.contains(name.as_str()))
        })
        .map(|(name, _)| name.clone())
        .expect("the sandbox seeds users outside EMEA");

    let app = app_binary();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let browser = FakeBrowser::new("ada.emea", "demo");
    let driver = start_driver(&data_dir, &browser);

    let run = async {
        let client = driver.session(&app).await;

        // A fresh data dir has no workspace to resume: the welcome screen offers the demo.
        find_test_id(&client, "open-demo", Duration::from_secs(30))
            .await
            .click()
            .await
            .expect("click 'Open the demo workspace'");

        // Sign-in (browser stand-in) and the first sync happen without another click.
        find_test_id(&client, "users-table", Duration::from_secs(120)).await;
        let admin = find_test_id(&client, "admin-name", Duration::from_secs(5)).await.text().await.unwrap_or_default();
        assert!(admin.contains("ada"), "the header names the signed-in admin, got {admin:?}");
        let scopes = find_test_id(&client, "bu-scopes", Duration::from_secs(5)).await.text().await.unwrap_or_default();
        assert_eq!(scopes.trim(), "EMEA", "ada.emea administers EMEA only");
        assert!(
            browser.events().iter().any(|e| e["event"] == "callback"),
            "the stand-in browser reached the app's loopback callback: {:?}",
            browser.events()
        );
        // The app's WebKit switches are for its own web view: a WebKit browser must not take them.
        let inherited = browser.environment_names();
        assert!(inherited.iter().any(|name| name == "FAKE_BROWSER_USER"), "the browser's environment was recorded");
        for own in [
            "WEBKIT_DISABLE_COMPOSITING_MODE",
            "JSC_useJIT",
            "JSC_largeHeapSize",
            "GDK_GL",
            "__EGL_VENDOR_LIBRARY_FILENAMES",
        ] {
            assert!(!inherited.iter().any(|name| name == own), "the sign-in browser inherited {own}: {inherited:?}");
        }

        let first_screen = visible_rows(&client).await;
        assert!(!first_screen.is_empty(), "the table shows users after the first sync");
        assert!(first_screen.iter().all(|(_, bu)| in_emea(bu)), "every listed user is inside EMEA: {first_screen:?}");

        // The BU filter's tree lists the cached BUs; choosing one narrows the table to its subtree.
        let option = Locator::Css("[data-testid='filter-bu'] option[value='EMEA/DE']");
        let de = eventually("the BU filter to offer EMEA/DE", Duration::from_secs(20), || async {
            client.find(option).await.ok()
        })
        .await;
        de.click().await.expect("choose EMEA/DE");
        let narrowed = eventually("only EMEA/DE users", Duration::from_secs(20), || async {
            let rows = visible_rows(&client).await;
            (!rows.is_empty() && rows.iter().all(|(_, bu)| bu.starts_with("EMEA/DE"))).then_some(rows)
        })
        .await;
        assert!(narrowed.len() < seeded.iter().filter(|(_, bu)| in_emea(bu)).count(), "the filter narrowed the list");
        find_test_id(&client, "clear-filters", Duration::from_secs(5)).await.click().await.expect("clear the filters");

        // Bulk select: tick two users (not ada herself) and disable both at once; each is
        // reported and applied.
        let others = eventually("two rows to tick", Duration::from_secs(20), || async {
            let mut others = Vec::new();
            for row in client.find_all(Locator::Css("[data-testid='user-row']")).await.unwrap_or_default() {
                if row.attr("data-user-name").await.ok().flatten().is_some_and(|name| name != "ada.emea") {
                    others.push(row);
                }
            }
            (others.len() >= 2).then_some(others)
        })
        .await;
        for row in others.iter().take(2) {
            let tick = row.find(Locator::Css("[data-testid='select-user']")).await.expect("the row's box");
            tick.click().await.expect("tick a row");
        }
        let count = find_test_id(&client, "selection-count", Duration::from_secs(5)).await;
        assert_eq!(count.text().await.unwrap_or_default(), "2 selected");
        button(&client, "Disable", Duration::from_secs(5)).await.click().await.expect("disable the selected users");
        let summary = eventually("the bulk change's report", Duration::from_secs(30), || async {
            let summary = client.find(Locator::Css("[data-testid='import-summary']")).await.ok()?;
            summary.text().await.ok().filter(|text| text.contains("Sent"))
        })
        .await;
        assert!(summary.starts_with("2 changes queued") && summary.contains("Sent: 2 applied"), "both sent: {summary}");
        save_screenshot(&client, "desktop-bulk.png").await;
        button(&client, "Clear selection", Duration::from_secs(5)).await.click().await.expect("clear the selection");

        // A user outside the admin's scopes is not found, however exactly it is named.
        search_for(&client, &outsider).await;
        find_test_id(&client, "users-empty", Duration::from_secs(20)).await;

        // A known EMEA user appears as their name is typed.
        search_for(&client, &emea_user).await;
        let rows = eventually(&format!("a row for {emea_user}"), Duration::from_secs(20), || async {
            let rows = visible_rows(&client).await;
            rows.iter().any(|(name, _)| name == &emea_user).then_some(rows)
        })
        .await;
        assert!(rows.iter().all(|(_, bu)| in_emea(bu)), "no user outside EMEA shows: {rows:?}");

        let shot = save_screenshot(&client, "desktop-users.png").await;
        assert!(std::fs::metadata(&shot).map(|m| m.len() > 1000).unwrap_or(false), "a real PNG at {}", shot.display());
        let _ = client.close().await;
    };
    tokio::time::timeout(Duration::from_secs(300), run).await.expect("the desktop e2e finishes within 5 minutes");
    drop(driver);
}

/// The walking skeleton's promise: quit, lose the IAM, start again — the cached users are
/// still there, marked offline. Uses a profile workspace on a sandbox in its own process, so
/// the test can stop the IAM between two runs of the app.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_restores_the_session_and_shows_cached_users_offline_when_the_iam_is_gone() {
    let mut sandbox = SandboxProcess::start();
    let app = app_binary();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let browser = FakeBrowser::new("ada.emea", "demo");
    let driver = start_driver(&data_dir, &browser);

    let run = async {
        // First run: use the profile file, sign in, first sync.
        let client = driver.session(&app).await;
        let path = find_test_id(&client, "profile-path", Duration::from_secs(30)).await;
        path.send_keys(&sandbox.profile.display().to_string()).await.expect("type the profile path");
        find_test_id(&client, "open-profile", Duration::from_secs(5)).await.click().await.expect("click Open");
        find_test_id(&client, "users-table", Duration::from_secs(120)).await;
        let synced = visible_rows(&client).await;
        assert!(
            !synced.is_empty() && synced.iter().all(|(_, bu)| in_emea(bu)),
            "EMEA users after the sync: {synced:?}"
        );
        let _ = client.close().await;

        // Second run, IAM up: straight to the cached users, then the session restored from the
        // keyring behind them ("Connecting…" until then).
        let client = driver.session(&app).await;
        find_test_id(&client, "users-table", Duration::from_secs(60)).await;
        connected(&client).await;
        let sync = find_test_id(&client, "sync", Duration::from_secs(5)).await;
        assert!(sync.is_enabled().await.expect("read Sync's state"), "Sync is offered once the session is restored");
        assert!(
            client.find(Locator::Css("[data-testid='offline-badge']")).await.is_err(),
            "the IAM is reachable: no offline badge"
        );
        let _ = client.close().await;

        // Third run, IAM gone: the cached users, marked offline.
        sandbox.server.stop();
        let client = driver.session(&app).await;
        find_test_id(&client, "users-table", Duration::from_secs(60)).await;
        find_test_id(&client, "offline-badge", Duration::from_secs(10)).await;
        find_test_id(&client, "offline-banner", Duration::from_secs(5)).await;
        connected(&client).await;
        let cached = visible_rows(&client).await;
        assert_eq!(
            cached.first().map(|(name, _)| name.clone()),
            synced.first().map(|(name, _)| name.clone()),
            "the cache shows what the last sync fetched"
        );
        save_screenshot(&client, "desktop-offline.png").await;
        let _ = client.close().await;
    };
    tokio::time::timeout(Duration::from_secs(300), run).await.expect("the offline e2e finishes within 5 minutes");
    drop(driver);
}

/// Waits until the restore of the stored session has ended ("Connecting…" gone), however it ended.
async fn connected(client: &Client) {
    eventually("the session restore to end", Duration::from_secs(30), || async {
        client.find(Locator::Css("[data-testid='connecting-badge']")).await.is_err().then_some(())
    })
    .await;
}

/// A button found by its visible text (XPath), waiting for React to render it.
async fn button(client: &Client, text: &str, within: Duration) -> fantoccini::elements::Element {
    let xpath = format!("//button[normalize-space()='{text}']");
    client
        .wait()
        .at_most(within)
        .every(Duration::from_millis(100))
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no button {text:?} within {within:?}: {e}"))
}

/// Clicks a form's submit button by script: WebKit's driver treats a real click on one as a
/// possible navigation and waits for a page load that never comes (the app handles the submit).
async fn submit_with(client: &Client, submit: fantoccini::elements::Element) {
    let submit = serde_json::to_value(&submit).expect("an element reference");
    client.execute("arguments[0].click(); return true;", vec![submit]).await.expect("click the submit button");
}

/// Goes to a section of the workspace (the navigation's buttons).
async fn open_section(client: &Client, name: &str) {
    let xpath = format!("//nav[@aria-label='Sections']//button[normalize-space()='{name}']");
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no section {name}: {e}"))
        .click()
        .await
        .expect("open the section");
}

/// The status the grants table shows for `grant`, once it equals `wanted`.
async fn grant_status_becomes(client: &Client, grant: &str, wanted: &str) {
    let css = format!("[data-testid='grant-row'][data-grant-id='{grant}']");
    eventually(&format!("grant {grant} {wanted}"), Duration::from_secs(30), || async {
        let row = client.find(Locator::Css(&css)).await.ok()?;
        (row.attr("data-status").await.ok().flatten().as_deref() == Some(wanted)).then_some(())
    })
    .await;
}

/// The desktop journey: ada issues a grant that needs approval, a second admin approves
/// it, ada revokes it; then ada reviews her business units and submits the review.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_is_issued_approved_by_a_second_admin_and_revoked_and_a_review_is_submitted() {
    let sandbox = SandboxProcess::start();
    let app = app_binary();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let browser = FakeBrowser::new("ada.emea", "demo");
    let driver = start_driver(&data_dir, &browser);

    let run = async {
        let client = driver.session(&app).await;
        let path = find_test_id(&client, "profile-path", Duration::from_secs(30)).await;
        path.send_keys(&sandbox.profile.display().to_string()).await.expect("type the profile path");
        find_test_id(&client, "open-profile", Duration::from_secs(5)).await.click().await.expect("click Open");
        find_test_id(&client, "users-table", Duration::from_secs(120)).await;

        // Issue: Customer Data Reader needs a second admin's approval.
        open_section(&client, "Grants").await;
        button(&client, "New grant", Duration::from_secs(10)).await.click().await.expect("open the form");
        let form = find_test_id(&client, "issue-grant-form", Duration::from_secs(10)).await;
        let field = |label: &'static str| {
            let form = form.clone();
            async move {
                form.find(Locator::XPath(&format!(".//label[contains(normalize-space(), '{label}')]//*[self::input or self::select or self::textarea]")))
                    .await
                    .unwrap_or_else(|e| panic!("no field {label}: {e}"))
            }
        };
        field("User").await.send_keys("anna.schmidt").await.expect("type the user");
        let role = field("Role").await;
        // Choosing the option by script: clicking an <option> opens a native popup that WebKit's
        // driver may wait on forever under Xvfb. React sees the same change event either way.
        let choose = "const [select, label] = arguments; \
                      const option = [...select.options].find(o => o.text === label); \
                      if (!option) return false; \
                      select.value = option.value; \
                      select.dispatchEvent(new Event('change', { bubbles: true })); \
                      return true;";
        eventually("the role catalog", Duration::from_secs(10), || async {
            let args = vec![serde_json::to_value(&role).ok()?, serde_json::json!("Customer Data Reader")];
            (client.execute(choose, args).await.ok()? == serde_json::json!(true)).then_some(())
        })
        .await;
        field("Business unit").await.send_keys("EMEA/DE").await.expect("type the BU");
        field("Justification").await.send_keys("quarter-end data quality check").await.expect("type why");
        submit_with(&client, button(&client, "Issue grant", Duration::from_secs(5)).await).await;
        let pending = eventually("a pending grant row", Duration::from_secs(30), || async {
            let row = client.find(Locator::Css("[data-testid='grant-row'][data-status='pending']")).await.ok()?;
            row.attr("data-grant-id").await.ok().flatten()
        })
        .await;
        save_screenshot(&client, "desktop-grants.png").await;

        // A second admin approves it (four eyes): gina, in her own Bailiwick (her own data
        // directory and session), from the Approvals inbox; ada's window stays open meanwhile.
        let gina_dir = tempfile::tempdir().expect("temp dir");
        // Bound, not a temporary: the stand-in browser's files live as long as the value.
        let gina_browser = FakeBrowser::new("gina.global", "demo");
        let gina_driver = start_driver(&gina_dir, &gina_browser);
        let gina = gina_driver.session(&app).await;
        let path = find_test_id(&gina, "profile-path", Duration::from_secs(30)).await;
        path.send_keys(&sandbox.profile.display().to_string()).await.expect("gina types the profile path");
        find_test_id(&gina, "open-profile", Duration::from_secs(5)).await.click().await.expect("gina opens it");
        find_test_id(&gina, "users-table", Duration::from_secs(120)).await;
        open_section(&gina, "Approvals").await;
        let request = format!("[data-testid='approval'][data-grant-id='{pending}']");
        find_test_id(&gina, "approvals-list", Duration::from_secs(30)).await;
        let justification = gina
            .find(Locator::Css(&format!("{request} [data-testid='approval-justification']")))
            .await
            .expect("ada's request is in gina's inbox")
            .text()
            .await
            .unwrap_or_default();
        assert_eq!(justification, "quarter-end data quality check", "with ada's justification");
        save_screenshot(&gina, "desktop-approvals.png").await;
        let approve = format!("//li[@data-grant-id='{pending}']//button[normalize-space()='Approve']");
        gina.find(Locator::XPath(&approve)).await.expect("an Approve button").click().await.expect("approve");
        eventually("the request to leave gina's inbox", Duration::from_secs(30), || async {
            gina.find(Locator::Css(&request)).await.is_err().then_some(())
        })
        .await;
        let _ = gina.close().await;
        drop(gina_driver);

        // Ada syncs and sees it active, then revokes it.
        open_section(&client, "Users").await;
        find_test_id(&client, "sync", Duration::from_secs(10)).await.click().await.expect("sync");
        tokio::time::sleep(Duration::from_secs(2)).await;
        open_section(&client, "Grants").await;
        grant_status_becomes(&client, &pending, "active").await;
        let revoke = format!("//tr[@data-grant-id='{pending}']//button[normalize-space()='Revoke']");
        client.find(Locator::XPath(&revoke)).await.expect("a Revoke button").click().await.expect("revoke");
        grant_status_becomes(&client, &pending, "revoked").await;

        // anna's detail tells the story from the audit log: the grant issued, then revoked.
        open_section(&client, "Users").await;
        search_for(&client, "anna.schmidt").await;
        let open_anna = "//*[@data-user-name='anna.schmidt']//button[normalize-space()='anna.schmidt']";
        eventually("anna's row", Duration::from_secs(15), || async {
            client.find(Locator::XPath(open_anna)).await.ok()?.click().await.ok()
        })
        .await;
        let actions =
            eventually("the grant's issue and revocation in anna's history", Duration::from_secs(15), || async {
                let rows = client.find_all(Locator::Css("[data-testid='user-history'] [data-action]")).await.ok()?;
                let mut actions = Vec::new();
                for row in rows {
                    actions.push(row.attr("data-action").await.ok().flatten()?);
                }
                (actions.iter().any(|a| a == "grant.issue") && actions.iter().any(|a| a == "grant.revoke"))
                    .then_some(actions)
            })
            .await;
        assert_eq!(actions.first().map(String::as_str), Some("grant.revoke"), "newest first: {actions:?}");
        let history = serde_json::to_value(find_test_id(&client, "user-history", Duration::from_secs(5)).await)
            .expect("an element reference");
        client
            .execute("arguments[0].scrollIntoView({ block: 'end' }); return true;", vec![history])
            .await
            .expect("scroll");
        save_screenshot(&client, "desktop-user.png").await;

        // A review of EMEA/DE: revoke the first item, keep the second, submit.
        open_section(&client, "Reviews").await;
        find_test_id(&client, "start-review", Duration::from_secs(10)).await;
        submit_with(&client, button(&client, "Start review", Duration::from_secs(5)).await).await;
        find_test_id(&client, "review-table", Duration::from_secs(30)).await;
        let first = "(//tr[@data-testid='review-row'])[1]//button[normalize-space()='Revoke']";
        client.find(Locator::XPath(first)).await.expect("row 1 Revoke").click().await.expect("decide");
        let second = "(//tr[@data-testid='review-row'])[2]//button[normalize-space()='Keep']";
        client.find(Locator::XPath(second)).await.expect("row 2 Keep").click().await.expect("decide");
        eventually("two decisions saved", Duration::from_secs(10), || async {
            let decided =
                client.find_all(Locator::Css("[data-testid='review-row'][data-decision='undecided']")).await.ok()?;
            let all = client.find_all(Locator::Css("[data-testid='review-row']")).await.ok()?;
            (all.len() - decided.len() == 2).then_some(())
        })
        .await;
        save_screenshot(&client, "desktop-review.png").await;
        button(&client, "Submit review", Duration::from_secs(5)).await.click().await.expect("submit");
        find_test_id(&client, "confirm-submit", Duration::from_secs(5)).await;
        button(&client, "Submit", Duration::from_secs(5)).await.click().await.expect("confirm");
        let summary =
            find_test_id(&client, "submission", Duration::from_secs(30)).await.text().await.unwrap_or_default();
        assert!(summary.contains('1'), "the summary counts the revocation and the keep: {summary:?}");
        let _ = client.close().await;
    };
    tokio::time::timeout(Duration::from_secs(300), run).await.expect("the grants e2e finishes within 5 minutes");
    drop(driver);
}

/// Starts the app outside WebDriver on `data_dir`, as a second double-click would.
fn launch_app(app: &std::path::Path, data_dir: &std::path::Path) -> std::process::Child {
    std::process::Command::new(app)
        .env("BAILIWICK_DATA_DIR", data_dir)
        .env("BAILIWICK_DEMO_PORT", free_port().to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", app.display()))
}

/// Issue 7: one app per data directory. A second launch on the running app's data directory hands
/// over to it (which comes to the front) and exits at once with success; a launch on another data
/// directory runs alongside, as the parallel end-to-end tests need.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_on_the_same_data_dir_hands_over_and_exits_while_another_data_dir_runs_alongside() {
    let app = app_binary();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let other_data_dir = tempfile::tempdir().expect("temp dir");
    let browser = FakeBrowser::new("ada.emea", "demo");
    let driver = start_driver(&data_dir, &browser);

    let run = async {
        let client = driver.session(&app).await;
        find_test_id(&client, "profile-path", Duration::from_secs(30)).await;

        let mut second = launch_app(&app, data_dir.path());
        let exited = eventually("the second launch exits", Duration::from_secs(20), || {
            let status = second.try_wait().ok().flatten();
            async move { status }
        })
        .await;
        assert_eq!(exited.code(), Some(0), "the second launch hands over to the first and exits with success");

        let mut alongside = launch_app(&app, other_data_dir.path());
        tokio::time::sleep(Duration::from_secs(5)).await;
        let still_running = alongside.try_wait().map(|status| status.is_none()).unwrap_or(false);
        let _ = alongside.kill();
        let _ = alongside.wait();
        assert!(still_running, "an app on another data directory is not stopped by the lock");

        find_test_id(&client, "profile-path", Duration::from_secs(5)).await;
        let _ = client.close().await;
    };
    tokio::time::timeout(Duration::from_secs(120), run).await.expect("the single-instance e2e ends within 2 minutes");
    drop(driver);
}
