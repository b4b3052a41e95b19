//! Responses from the identity provider, read with a size cap.
//!
//! A discovery document, a key set or a token response is a few KiB. A provider (or whatever
//! sits between us and it) that streams megabytes is either broken or trying to exhaust
//! memory, so every body is read chunk by chunk and refused past [`MAX_RESPONSE_BYTES`],
//! before any of it is parsed.

use std::future::Future;
use std::pin::Pin;

use openidconnect::{AsyncHttpClient, HttpClientError, HttpRequest, HttpResponse};

/// The largest body accepted from the identity provider: 64 KiB, ten times a large token
/// response with every claim Bailiwick reads.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Marks an oversized body inside the `io::Error` that `openidconnect` hands back, so the
/// caller can tell it from a network failure.
#[derive(Debug, thiserror::Error)]
#[error("the response is larger than {limit} bytes")]
pub struct BodyTooLarge {
    pub limit: usize,
}

/// Reads a response body, refusing it once it grows past `limit` bytes.
pub async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, BodyReadError> {
    if response.content_length().is_some_and(|announced| announced > limit as u64) {
        return Err(BodyReadError::TooLarge(BodyTooLarge { limit }));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyReadError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyReadError::TooLarge(BodyTooLarge { limit }));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[derive(Debug)]
pub enum BodyReadError {
    TooLarge(BodyTooLarge),
    Transport(reqwest::Error),
}

/// The shared [`reqwest::Client`], as `openidconnect` calls it, with the size cap.
pub struct BoundedHttp<'a>(pub &'a reqwest::Client);

impl<'c> AsyncHttpClient<'c> for BoundedHttp<'_> {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request: reqwest::Request = request.try_into().map_err(Box::new)?;
            let response = self.0.execute(request).await.map_err(Box::new)?;
            let mut builder = openidconnect::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = read_body(response, MAX_RESPONSE_BYTES).await.map_err(|e| match e {
                BodyReadError::TooLarge(too_large) => HttpClientError::Io(std::io::Error::other(too_large)),
                BodyReadError::Transport(e) => HttpClientError::Reqwest(Box::new(e)),
            })?;
            builder.body(body).map_err(HttpClientError::Http)
        })
    }
}

/// The size limit, if this error is an oversized body.
pub fn too_large(e: &HttpClientError<reqwest::Error>) -> Option<usize> {
    match e {
        HttpClientError::Io(io) => io.get_ref().and_then(|inner| inner.downcast_ref::<BodyTooLarge>()).map(|t| t.limit),
        _ => None,
    }
}
