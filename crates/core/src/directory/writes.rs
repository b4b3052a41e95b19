//! SCIM writes (RFC 7644 §3.3, §3.5.2, §3.6) and single-resource reads, for the outbox.
//!
//! A write is sent once: the outbox decides about retries, because only it knows whether a
//! repeat is safe (it probes for what a lost first attempt did). `If-Match` carries the ETag
//! the change was based on; a 412 comes back as `Error::Http { status: 412 }`.

use bailiwick_scim::{schema, PatchOperation, PatchRequest};
use reqwest::header::{ACCEPT, CONTENT_TYPE, IF_MATCH};
use reqwest::Method;
use serde_json::Value;

use super::client::{error_detail, is_json_media_type, transport_error};
use super::ScimClient;
use crate::error::Error;
use crate::secret::AccessToken;

/// A resource as the server answered it, with its ETag (`meta.version`, else the header).
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned {
    pub resource: Value,
    pub version: Option<String>,
}

impl ScimClient {
    /// `GET /{kind}/{id}`; `Ok(None)` when the server says 404.
    pub async fn get_resource(&self, token: &AccessToken, kind: &str, id: &str) -> Result<Option<Versioned>, Error> {
        let url = self.resource_url(kind, id)?;
        match self.get_json::<Value>(token, url).await {
            Ok(resource) => Ok(Some(versioned(resource, None))),
            Err(Error::Http { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /{kind}?filter=…`: every match on the first page (callers filter on unique values).
    pub async fn find(&self, token: &AccessToken, kind: &'static str, filter: &str) -> Result<Vec<Value>, Error> {
        let page = self.list_page::<Value>(kind, token, Some(filter), 1, 50).await?;
        Ok(page.resources)
    }

    /// `POST /{kind}`.
    pub async fn create(&self, token: &AccessToken, kind: &str, body: &Value) -> Result<Versioned, Error> {
        let url = self.endpoint(kind)?;
        let (resource, etag) = self.send(token, Method::POST, url.clone(), Some(body), None).await?;
        let resource = resource.ok_or_else(|| Error::MalformedResponse {
            url: url.to_string(),
            reason: "a create was answered without the created resource".into(),
        })?;
        Ok(versioned(resource, etag))
    }

    /// `PATCH /{kind}/{id}`. Servers may answer 204 without a body (RFC 7644 §3.5.2): then
    /// `Ok(None)`, and the caller reads the resource again if it needs it.
    pub async fn patch(
        &self,
        token: &AccessToken,
        kind: &str,
        id: &str,
        operations: Vec<PatchOperation>,
        if_match: Option<&str>,
    ) -> Result<Option<Versioned>, Error> {
        let url = self.resource_url(kind, id)?;
        let body = serde_json::to_value(PatchRequest::new(operations))
            .map_err(|e| Error::Usage(format!("cannot encode a PATCH request: {e}")))?;
        let (resource, etag) = self.send(token, Method::PATCH, url, Some(&body), if_match).await?;
        Ok(resource.map(|r| versioned(r, etag)))
    }

    /// `DELETE /{kind}/{id}`.
    pub async fn delete(&self, token: &AccessToken, kind: &str, id: &str, if_match: Option<&str>) -> Result<(), Error> {
        let url = self.resource_url(kind, id)?;
        self.send(token, Method::DELETE, url, None, if_match).await.map(|_| ())
    }

    /// The names of the resource types the server offers (`/ResourceTypes`, RFC 7644 §4).
    pub async fn resource_types(&self, token: &AccessToken) -> Result<Vec<String>, Error> {
        let url = self.endpoint("ResourceTypes")?;
        let answer: Value = self.get_json(token, url).await?;
        // A ListResponse (RFC 7644 §4), or a bare array from lenient servers.
        let items = answer.get("Resources").and_then(Value::as_array).or_else(|| answer.as_array());
        Ok(items
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("name").or_else(|| t.get("id")).and_then(Value::as_str))
            .map(str::to_owned)
            .collect())
    }

    fn resource_url(&self, kind: &str, id: &str) -> Result<url::Url, Error> {
        let mut url = self.endpoint(kind)?;
        url.path_segments_mut().map_err(|()| Error::Usage(format!("{} cannot be a base URL", self.base)))?.push(id);
        Ok(url)
    }

    #[tracing::instrument(level = "debug", skip(self, token, body), fields(base = %self.base))]
    async fn send(
        &self,
        token: &AccessToken,
        method: Method,
        url: url::Url,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<(Option<Value>, Option<String>), Error> {
        let mut request =
            self.http.request(method, url.clone()).bearer_auth(token.expose()).header(ACCEPT, schema::MEDIA_TYPE);
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, schema::MEDIA_TYPE).body(body.to_string());
        }
        if let Some(etag) = if_match {
            request = request.header(IF_MATCH, etag);
        }
        let response = request.send().await.map_err(|e| writing(transport_error(&url, e)))?;
        let status = response.status();
        let etag = response.headers().get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = response.bytes().await.map_err(|e| writing(transport_error(&url, e)))?;
        if !status.is_success() {
            return Err(Error::Http { url: url.to_string(), status: status.as_u16(), detail: error_detail(&bytes) });
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok((None, etag));
        }
        if let Some(ct) = content_type.as_deref().filter(|ct| !is_json_media_type(ct)) {
            return Err(Error::MalformedResponse {
                url: url.to_string(),
                reason: format!("expected application/scim+json, got {ct}"),
            });
        }
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| Error::MalformedResponse { url: url.to_string(), reason: e.to_string() })?;
        if !value.is_object() {
            return Err(Error::MalformedResponse { url: url.to_string(), reason: "expected a JSON object".into() });
        }
        Ok((Some(value), etag))
    }
}

/// Transport failures of a write say "sending a change", not "reading the directory".
fn writing(error: Error) -> Error {
    match error {
        Error::Offline { host, reason, .. } => Error::Offline { action: "sending a change".into(), host, reason },
        other => other,
    }
}

fn versioned(resource: Value, etag: Option<String>) -> Versioned {
    let version = resource["meta"]["version"].as_str().map(str::to_owned).or(etag);
    Versioned { resource, version }
}
