//! The browser a desktop sign-in uses: the system browser, and the window is told which URL
//! it opened, so it can show "Continue in your browser…" with a link to copy if none appeared.

use bailiwick_core::auth::{Browser, SystemBrowser};
use serde::Serialize;
use tauri::ipc::Channel;
use url::Url;

/// Sent to the window during a sign-in.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SignInEvent {
    BrowserOpened { url: String },
}

pub struct WindowReportingBrowser {
    system: SystemBrowser,
    events: Channel<SignInEvent>,
}

impl WindowReportingBrowser {
    pub fn new(events: Channel<SignInEvent>) -> Self {
        #[cfg(target_os = "linux")]
        let system = SystemBrowser::from_env().withholding_env(crate::webkit_env::set_by_app().iter().copied());
        #[cfg(not(target_os = "linux"))]
        let system = SystemBrowser::from_env();
        Self { system, events }
    }
}

impl Browser for WindowReportingBrowser {
    fn open(&self, url: &Url) -> Result<(), bailiwick_core::Error> {
        // The URL carries the PKCE challenge, state and nonce: public by design (the verifier
        // never leaves the core), so the window may show it.
        if let Err(error) = self.events.send(SignInEvent::BrowserOpened { url: url.to_string() }) {
            tracing::warn!(%error, "the window did not receive the sign-in URL");
        }
        self.system.open(url)
    }
}
