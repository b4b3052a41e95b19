//! The server's own audit trail, where it offers one (the sandbox's `/AuditEvents`), read to
//! show beside Bailiwick's local log.

use serde_json::Value;

use super::ScimClient;
use crate::error::Error;
use crate::secret::AccessToken;

impl ScimClient {
    /// The newest `last` audit events (oldest first). `Ok(None)` when the server has none to
    /// offer (404): most SCIM servers keep their audit trail elsewhere.
    pub async fn audit_events(&self, token: &AccessToken, last: u32) -> Result<Option<Vec<Value>>, Error> {
        let probe = match self.list_page::<Value>("AuditEvents", token, None, 1, 1).await {
            Ok(page) => page,
            Err(Error::Http { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let total = probe.total_results;
        if total == 0 || last == 0 {
            return Ok(Some(Vec::new()));
        }
        let start = total.saturating_sub(u64::from(last)) + 1;
        let page = self.list_page::<Value>("AuditEvents", token, None, start, last).await?;
        Ok(Some(page.resources))
    }
}
