//! The OpenID Connect client: discovery, sign-in, refresh, sign-out.
//!
//! Built on `openidconnect` for the protocol details that are easy to get subtly wrong (ID
//! token validation above all). What it leaves to the application is here: which endpoints
//! to trust (https, or loopback), which signature algorithms to accept (asymmetric only: a
//! public client has no secret, so an HMAC-signed token could be forged by anyone), clock
//! leeway, JWKS refetch on key rotation, the RFC 9207 `iss` check, and RFC 7009 revocation,
//! done by hand because it is one form POST and spares a typestate juggle.

use std::borrow::Cow;
use std::sync::RwLock;
use std::time::Duration;

use chrono::Utc;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType, CoreRevocableToken,
    CoreRevocationErrorResponse, CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, ClaimsVerificationError, ClientId, DiscoveryError,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpClientError, IdTokenFields,
    IdTokenVerifier, IssuerUrl, JsonWebKeySet, JsonWebKeySetUrl, Nonce, OAuth2TokenResponse, PkceCodeVerifier,
    RedirectUrl, RequestTokenError, Scope, SignatureVerificationError, StandardErrorResponse, StandardTokenResponse,
    SubjectIdentifier, TokenResponse as _, UserInfoClaims, UserInfoError,
};
use serde::{Deserialize, Serialize};
use url::Url;

use super::authorization::{describe_provider_error, AuthorizationRequest, CallbackParams, IssuerCheck};
use super::bounded_http::{self, BoundedHttp, MAX_RESPONSE_BYTES};
use super::browser::Browser;
use super::claims::IdentityClaims;
use super::loopback::{LoopbackListener, Page};
use super::session::Session;
use super::SignInFailure;
use crate::admin::AdminContext;
use crate::error::Error;
use crate::profile::{is_secure_or_loopback, ClaimNames, Profile};
use crate::secret::{AccessToken, IdToken, RefreshToken};

/// How far the provider's clock may be from ours for `exp` and `iat`.
const CLOCK_LEEWAY: chrono::Duration = chrono::Duration::seconds(60);

/// ID token algorithms accepted: asymmetric ones only (see the module comment); `none` is
/// never among them.
const ACCEPTED_ALGORITHMS: [CoreJwsSigningAlgorithm; 9] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// Discovery fields `openidconnect` does not model.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct ExtraProviderMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revocation_endpoint: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end_session_endpoint: Option<Url>,
    /// RFC 9207.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authorization_response_iss_parameter_supported: Option<bool>,
    /// RFC 8414; must list S256 (see `discover`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_challenge_methods_supported: Option<Vec<String>>,
}
impl AdditionalProviderMetadata for ExtraProviderMetadata {}

/// Every claim by name: the admin-context claims have names the profile chooses.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct AllClaims {
    #[serde(flatten)]
    all: serde_json::Map<String, serde_json::Value>,
}
impl AdditionalClaims for AllClaims {}

type ProviderMetadata = openidconnect::ProviderMetadata<
    ExtraProviderMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type IdTokenJwt =
    openidconnect::IdToken<AllClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
type IdTokenClaims = openidconnect::IdTokenClaims<AllClaims, CoreGenderClaim>;

type TokenResponse = StandardTokenResponse<
    IdTokenFields<
        AllClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type Client = openidconnect::Client<
    AllClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

type HttpError = HttpClientError<reqwest::Error>;

/// A discovered provider, ready to sign in, refresh and sign out. Cheap to keep for the
/// life of the process: discovery happens once.
pub struct OidcClient {
    client: Client,
    http: reqwest::Client,
    /// The issuer exactly as the provider announces it (compared byte for byte in tokens).
    issuer: IssuerUrl,
    client_id: ClientId,
    token_url: String,
    jwks_uri: JsonWebKeySetUrl,
    /// Replaced when an ID token names a key we do not know (key rotation).
    jwks: RwLock<JsonWebKeySet<CoreJsonWebKey>>,
    accepted_algorithms: Vec<CoreJwsSigningAlgorithm>,
    iss_parameter_supported: bool,
    revocation_endpoint: Option<Url>,
    end_session_endpoint: Option<Url>,
    /// Where to ask for claims the ID token lacks; `None` when the provider has no userinfo.
    userinfo_url: Option<String>,
    scopes: Vec<String>,
    claim_names: ClaimNames,
}

impl std::fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcClient")
            .field("issuer", &self.issuer.as_str())
            .field("client_id", &self.client_id.as_str())
            .finish_non_exhaustive()
    }
}

/// What to revoke when signing out.
#[derive(Debug, Clone, Copy)]
pub enum SignOutToken<'a> {
    /// Revokes the session's refresh token (which ends the grant) and its access token.
    Session(&'a Session),
    /// A refresh token loaded from the keyring, when no session is in memory.
    Refresh(&'a RefreshToken),
}

impl<'a> From<&'a Session> for SignOutToken<'a> {
    fn from(session: &'a Session) -> Self {
        SignOutToken::Session(session)
    }
}

impl<'a> From<&'a RefreshToken> for SignOutToken<'a> {
    fn from(token: &'a RefreshToken) -> Self {
        SignOutToken::Refresh(token)
    }
}

/// What signing out achieved. Signing out locally (deleting the keyring entry) is the
/// caller's part and must happen whatever this says.
#[derive(Debug)]
pub struct SignOut {
    pub revocation: Revocation,
    /// Where to send the browser to end the provider's own session (RP-initiated logout),
    /// when the provider offers it. Holds no token (only `client_id`), so it may be printed.
    pub end_session_url: Option<Url>,
}

#[derive(Debug)]
pub enum Revocation {
    Revoked,
    /// The provider has no revocation endpoint: the refresh token stays valid until it
    /// expires on its own.
    NotOffered,
    /// Revocation was attempted and failed (network, or refused).
    Failed(Error),
}

impl OidcClient {
    /// Fetches the provider's configuration and keys. Refuses any endpoint that is not https
    /// (loopback excepted) and an issuer other than the profile's.
    #[tracing::instrument(name = "oidc_discover", skip_all, fields(issuer = %profile.oidc.issuer))]
    pub async fn discover(profile: &Profile, http: reqwest::Client) -> Result<OidcClient, Error> {
        let configured = &profile.oidc.issuer;
        require_secure("issuer", configured)?;
        let expected = issuer_text(configured);
        let discovery_url = format!("{}/.well-known/openid-configuration", expected.trim_end_matches('/'));
        let body = get_json(&http, &discovery_url).await?;
        let metadata: ProviderMetadata = serde_json::from_slice(&body).map_err(|e| SignInFailure::Discovery {
            url: discovery_url.clone(),
            reason: format!("not an OpenID provider configuration: {e}"),
        })?;

        // Compared without a trailing slash: `Url` always writes one after a bare host, and
        // issuers are usually configured without. Anything else must match exactly.
        let announced = metadata.issuer().as_str().to_owned();
        if announced.trim_end_matches('/') != expected.trim_end_matches('/') {
            return Err(SignInFailure::IssuerMismatch { expected, found: announced }.into());
        }

        let extra = metadata.additional_metadata().clone();
        require_secure("authorization", metadata.authorization_endpoint().url())?;
        let token_url = metadata.token_endpoint().ok_or(SignInFailure::MissingEndpoint("token"))?.url().clone();
        require_secure("token", &token_url)?;
        require_secure("jwks", metadata.jwks_uri().url())?;
        if let Some(userinfo) = metadata.userinfo_endpoint() {
            require_secure("userinfo", userinfo.url())?;
        }
        if let Some(url) = &extra.revocation_endpoint {
            require_secure("revocation", url)?;
        }
        if let Some(url) = &extra.end_session_endpoint {
            require_secure("end_session", url)?;
        }
        // PKCE stripped: Bailiwick always sends an S256 challenge, but a provider that does
        // not announce S256 may silently ignore it, and then a stolen or injected code works
        // for anyone. RFC 9700 §2.1.1 requires authorization servers to support PKCE and to
        // let clients detect it; the metadata is how we detect it, so its absence is refused
        // here, before the browser is ever opened.
        if !extra.code_challenge_methods_supported.as_ref().is_some_and(|m| m.iter().any(|m| m == "S256")) {
            return Err(SignInFailure::PkceNotSupported.into());
        }

        let accepted_algorithms: Vec<CoreJwsSigningAlgorithm> = metadata
            .id_token_signing_alg_values_supported()
            .iter()
            .filter(|alg| ACCEPTED_ALGORITHMS.contains(alg))
            .cloned()
            .collect();
        if accepted_algorithms.is_empty() {
            return Err(SignInFailure::Discovery {
                url: discovery_url,
                reason: "the provider signs ID tokens with no algorithm Bailiwick accepts (asymmetric ones: RS*, PS*, ES*, EdDSA)"
                    .into(),
            }
            .into());
        }

        let jwks_uri = metadata.jwks_uri().clone();
        let jwks = fetch_jwks(&http, &jwks_uri).await?;
        let userinfo_url = metadata.userinfo_endpoint().map(|u| u.url().to_string());
        let issuer = metadata.issuer().clone();
        let client_id = ClientId::new(profile.oidc.client_id.clone());
        // Confidential clients (a secret from the keyring) are not wired yet; PKCE protects
        // the code either way.
        let client = Client::from_provider_metadata(metadata, client_id.clone(), None);
        tracing::debug!(
            revocation = extra.revocation_endpoint.is_some(),
            end_session = extra.end_session_endpoint.is_some(),
            "discovered"
        );

        Ok(OidcClient {
            client,
            http,
            issuer,
            client_id,
            token_url: token_url.to_string(),
            jwks_uri,
            jwks: RwLock::new(jwks),
            accepted_algorithms,
            iss_parameter_supported: extra.authorization_response_iss_parameter_supported.unwrap_or(false),
            revocation_endpoint: extra.revocation_endpoint,
            end_session_endpoint: extra.end_session_endpoint,
            userinfo_url,
            scopes: profile.oidc.scopes.clone(),
            claim_names: profile.claims.clone(),
        })
    }

    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// Signs in through the browser: Authorization Code + PKCE S256, `state`, `nonce`, a
    /// loopback redirect. Waits up to `timeout` for the browser to come back.
    #[tracing::instrument(name = "oidc_sign_in", skip_all, fields(issuer = %self.issuer.as_str()))]
    pub async fn sign_in(&self, browser: &dyn Browser, timeout: Duration) -> Result<Session, Error> {
        let listener = LoopbackListener::bind().await?;
        let redirect = RedirectUrl::new(listener.redirect_uri())
            .map_err(|e| SignInFailure::Listener(std::io::Error::new(std::io::ErrorKind::InvalidInput, e)))?;
        let request = AuthorizationRequest::new();
        let url = self.authorize_url(&request, &redirect);
        // The URL holds no secret (PKCE sends only the challenge), but it is long and noisy.
        tracing::debug!(%url, "opening the browser");
        browser.open(&url)?;

        let callback = listener.wait_for_callback(timeout).await?;
        let params = CallbackParams::from_url(&callback.url);
        let outcome = self.finish_sign_in(request, &params, &redirect).await;
        let message = match &outcome {
            Ok(session) => format!("You are signed in to Bailiwick as {}.", session.admin.display_name),
            Err(e) => format!("Bailiwick could not sign you in. {}", capitalized(&e.to_string())),
        };
        let title = if outcome.is_ok() { "Signed in" } else { "Sign-in failed" };
        callback.answer(&Page { title, message: &message, signed_in: outcome.is_ok() }).await;
        match &outcome {
            Ok(session) => tracing::info!(subject = %session.admin.subject, "signed in"),
            Err(e) => tracing::warn!(error = %e, "sign-in failed"),
        }
        outcome
    }

    /// The authorization URL for one attempt (exposed for tests and for hosts that show it).
    pub fn authorize_url(&self, request: &AuthorizationRequest, redirect: &RedirectUrl) -> Url {
        let state = request.state.clone();
        let nonce = request.nonce.clone();
        let mut authorize = self
            .client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, move || state, move || nonce)
            .set_pkce_challenge(request.pkce_challenge.clone())
            .set_redirect_uri(Cow::Borrowed(redirect));
        // openidconnect adds `openid` itself.
        for scope in self.scopes.iter().filter(|s| s.as_str() != "openid") {
            authorize = authorize.add_scope(Scope::new(scope.clone()));
        }
        // Several providers (oidc-provider among them) drop offline_access without consent.
        if self.scopes.iter().any(|s| s == "offline_access") {
            authorize = authorize.add_prompt(CoreAuthPrompt::Consent);
        }
        authorize.url().0
    }

    async fn finish_sign_in(
        &self,
        request: AuthorizationRequest,
        params: &CallbackParams,
        redirect: &RedirectUrl,
    ) -> Result<Session, Error> {
        let issuer =
            IssuerCheck { expected: self.issuer.as_str().to_owned(), advertised: self.iss_parameter_supported };
        let code = request.accept(params, &issuer)?;
        let AuthorizationRequest { nonce, pkce_verifier, .. } = request;
        let token = self
            .client
            .exchange_code(code)
            .map_err(|_| SignInFailure::MissingEndpoint("token"))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.secret().clone()))
            .set_redirect_uri(Cow::Borrowed(redirect))
            .request_async(&BoundedHttp(&self.http))
            .await
            .map_err(|e| match e {
                // invalid_grant: the code is unknown, used, expired, or bound to another PKCE
                // verifier or redirect; all of them mean the code is not ours to redeem.
                RequestTokenError::ServerResponse(e) if *e.error() == CoreErrorResponseType::InvalidGrant => {
                    SignInFailure::CodeRejected(describe_provider_error(
                        e.error().as_ref(),
                        e.error_description().map(String::as_str),
                    ))
                    .into()
                }
                e => self.token_error(e, SignInFailure::CodeExchange),
            })?;
        self.session_from(token, Some(&nonce), None).await
    }

    /// Exchanges a refresh token for a new session. The provider rotates the refresh token:
    /// store the returned session's `refresh_token()` in place of the old one. A refused
    /// refresh (expired, revoked, reused) is `Error::SignInNeeded`.
    #[tracing::instrument(name = "oidc_refresh", skip_all, fields(issuer = %self.issuer.as_str()))]
    pub async fn refresh(&self, refresh: &RefreshToken) -> Result<Session, Error> {
        let token = openidconnect::RefreshToken::new(refresh.expose().to_owned());
        let response = self
            .client
            .exchange_refresh_token(&token)
            .map_err(|_| SignInFailure::MissingEndpoint("token"))?
            .request_async(&BoundedHttp(&self.http))
            .await;
        let token = match response {
            Ok(token) => token,
            Err(RequestTokenError::ServerResponse(e)) if *e.error() == CoreErrorResponseType::InvalidGrant => {
                return Err(Error::SignInNeeded(
                    "the identity provider no longer accepts the stored sign-in (expired, revoked or already used)"
                        .into(),
                ))
            }
            Err(e) => return Err(self.token_error(e, SignInFailure::Refresh)),
        };
        let session = self.session_from(token, None, Some(refresh)).await?;
        tracing::info!(subject = %session.admin.subject, rotated = session.refresh_token() != Some(refresh), "refreshed");
        Ok(session)
    }

    /// Revokes the tokens (RFC 7009) where the provider offers it, and returns where to end
    /// the provider's session. Network failures are reported, not raised: signing out
    /// locally must go on regardless.
    #[tracing::instrument(name = "oidc_sign_out", skip_all, fields(issuer = %self.issuer.as_str()))]
    pub async fn sign_out<'a>(&self, token: impl Into<SignOutToken<'a>>) -> SignOut {
        let revocation = match &self.revocation_endpoint {
            None => Revocation::NotOffered,
            Some(endpoint) => {
                // The refresh token first: revoking it ends the grant at most providers.
                let targets: Vec<(&str, &str)> = match token.into() {
                    SignOutToken::Session(session) => session
                        .refresh_token()
                        .map(|r| (r.expose(), "refresh_token"))
                        .into_iter()
                        .chain([(session.access_token().expose(), "access_token")])
                        .collect(),
                    SignOutToken::Refresh(refresh) => vec![(refresh.expose(), "refresh_token")],
                };
                let mut outcome = Revocation::Revoked;
                for (secret, hint) in targets {
                    if let Err(e) = self.revoke(endpoint, secret, hint).await {
                        tracing::warn!(error = %e, hint, "revocation failed");
                        outcome = Revocation::Failed(e);
                        break;
                    }
                }
                outcome
            }
        };
        let end_session_url = self.end_session_endpoint.clone().map(|mut url| {
            url.query_pairs_mut().append_pair("client_id", self.client_id.as_str());
            url
        });
        SignOut { revocation, end_session_url }
    }

    async fn revoke(&self, endpoint: &Url, secret: &str, hint: &str) -> Result<(), Error> {
        let response = self
            .http
            .post(endpoint.clone())
            .form(&[("token", secret), ("token_type_hint", hint), ("client_id", self.client_id.as_str())])
            .send()
            .await
            .map_err(|e| transport_failure("sign-out", endpoint.as_str(), &e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // RFC 7009 §2.2.1: errors use the token endpoint's error format.
        let body = bounded_http::read_body(response, MAX_RESPONSE_BYTES).await.unwrap_or_default();
        let reason = match serde_json::from_slice::<CoreRevocationErrorResponse>(&body) {
            Ok(e) => describe_provider_error(e.error().as_ref(), e.error_description().map(String::as_str)),
            Err(_) => format!("HTTP {status}"),
        };
        Err(SignInFailure::Revocation(reason).into())
    }

    async fn session_from(
        &self,
        token: TokenResponse,
        nonce: Option<&Nonce>,
        previous_refresh: Option<&RefreshToken>,
    ) -> Result<Session, Error> {
        let access = AccessToken::new(token.access_token().secret().clone());
        let access_expires_at =
            token.expires_in().and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| Utc::now() + d);
        // A provider that does not rotate sends no new refresh token: the old one stays valid.
        let refresh =
            token.refresh_token().map(|r| RefreshToken::new(r.secret().clone())).or_else(|| previous_refresh.cloned());

        let (admin, id_token) = match token.id_token() {
            Some(id_token) => {
                let claims = self.verify_id_token(id_token, nonce).await?;
                let identity = IdentityClaims {
                    subject: claims.subject().as_str(),
                    preferred_username: claims.preferred_username().map(|u| u.as_str()),
                    name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
                    all: &claims.additional_claims().all,
                };
                let admin = if identity.has_admin_claims(&self.claim_names) || self.userinfo_url.is_none() {
                    identity.admin_context(&self.claim_names)?
                } else {
                    self.admin_from_userinfo(&access, Some(claims.subject().clone())).await?
                };
                (admin, Some(IdToken::new(id_token.to_string())))
            }
            // The first sign-in must prove who signed in; a refresh may omit the ID token.
            None if nonce.is_some() => return Err(SignInFailure::IdTokenMissing.into()),
            None => (self.admin_from_userinfo(&access, None).await?, None),
        };
        Ok(Session::new(admin, access, access_expires_at, refresh, id_token))
    }

    async fn admin_from_userinfo(
        &self,
        access: &AccessToken,
        subject: Option<SubjectIdentifier>,
    ) -> Result<AdminContext, Error> {
        let request = self
            .client
            .user_info(openidconnect::AccessToken::new(access.expose().to_owned()), subject)
            .map_err(|_| SignInFailure::MissingEndpoint("userinfo"))?;
        let claims: UserInfoClaims<AllClaims, CoreGenderClaim> =
            request.request_async(&BoundedHttp(&self.http)).await.map_err(|e| match e {
                UserInfoError::Request(e) if bounded_http::too_large(&e).is_some() => {
                    SignInFailure::ResponseTooLarge { endpoint: "userinfo".into(), limit: MAX_RESPONSE_BYTES }.into()
                }
                UserInfoError::Request(HttpClientError::Reqwest(e)) => {
                    transport_failure("sign-in", self.userinfo_url.as_deref().unwrap_or_default(), &e)
                }
                UserInfoError::Response(status, _, _) => SignInFailure::UserInfo(format!("HTTP {status}")).into(),
                UserInfoError::Parse(e) => {
                    SignInFailure::UserInfo(format!("unreadable response (at `{}`)", e.path())).into()
                }
                other => SignInFailure::UserInfo(other.to_string()).into(),
            })?;
        let identity = IdentityClaims {
            subject: claims.subject().as_str(),
            preferred_username: claims.preferred_username().map(|u| u.as_str()),
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
            all: &claims.additional_claims().all,
        };
        Ok(identity.admin_context(&self.claim_names)?)
    }

    /// Validates signature (JWKS), iss, aud, azp, exp, iat and nonce. On a key we do not know
    /// the JWKS is fetched again, once: the provider may have rotated its keys.
    async fn verify_id_token<'t>(
        &self,
        id_token: &'t IdTokenJwt,
        nonce: Option<&Nonce>,
    ) -> Result<&'t IdTokenClaims, Error> {
        let claims = self.verify_id_token_signature_and_claims(id_token, nonce).await?;
        check_time_and_parties(claims, &self.client_id, Utc::now())?;
        Ok(claims)
    }

    async fn verify_id_token_signature_and_claims<'t>(
        &self,
        id_token: &'t IdTokenJwt,
        nonce: Option<&Nonce>,
    ) -> Result<&'t IdTokenClaims, Error> {
        match self.check_id_token(id_token, nonce) {
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                tracing::info!("the ID token is signed with an unknown key; fetching the provider's keys again");
                let jwks = fetch_jwks(&self.http, &self.jwks_uri).await?;
                match self.jwks.write() {
                    Ok(mut current) => *current = jwks,
                    Err(poisoned) => *poisoned.into_inner() = jwks,
                }
                Ok(self.check_id_token(id_token, nonce).map_err(id_token_failure)?)
            }
            other => Ok(other.map_err(id_token_failure)?),
        }
    }

    fn check_id_token<'t>(
        &self,
        id_token: &'t IdTokenJwt,
        nonce: Option<&Nonce>,
    ) -> Result<&'t IdTokenClaims, ClaimsVerificationError> {
        let jwks = match self.jwks.read() {
            Ok(jwks) => jwks.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let verifier = IdTokenVerifier::new_public_client(self.client_id.clone(), self.issuer.clone(), jwks)
            .set_allowed_algs(self.accepted_algorithms.clone())
            .set_time_fn(|| Utc::now() - CLOCK_LEEWAY)
            // Additional audiences and `iat` are checked by `check_time_and_parties` once the
            // signature holds, so that each gets its own error (openidconnect reports both as
            // other failures and does not check `azp` at all).
            .set_other_audience_verifier_fn(|_| true);
        match nonce {
            Some(nonce) => id_token.claims(&verifier, nonce),
            // Refreshed ID tokens need not carry the nonce (OpenID Connect Core §12.2).
            None => id_token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
        }
    }

    fn token_error(
        &self,
        e: RequestTokenError<HttpError, StandardErrorResponse<CoreErrorResponseType>>,
        failure: fn(String) -> SignInFailure,
    ) -> Error {
        match e {
            RequestTokenError::ServerResponse(e) => {
                failure(describe_provider_error(e.error().as_ref(), e.error_description().map(String::as_str))).into()
            }
            RequestTokenError::Request(e) if bounded_http::too_large(&e).is_some() => {
                SignInFailure::ResponseTooLarge { endpoint: "token".into(), limit: MAX_RESPONSE_BYTES }.into()
            }
            RequestTokenError::Request(HttpClientError::Reqwest(e)) => {
                transport_failure("sign-in", &self.token_url, &e)
            }
            RequestTokenError::Request(e) => failure(e.to_string()).into(),
            // openidconnect decodes the ID token (three base64url parts, JSON header and
            // claims) while parsing the response, and the flattened fields hide where parsing
            // failed: look at the ID token alone to tell a malformed one from other garbage.
            // The body may hold tokens: name only where parsing failed, never the inner error
            // (serde quotes the offending input).
            RequestTokenError::Parse(_, body) if id_token_unreadable(&body) => SignInFailure::IdTokenMalformed(
                "not three base64url parts holding a JSON header and JSON claims".into(),
            )
            .into(),
            RequestTokenError::Parse(e, _) => failure(format!("unreadable response (at `{}`)", e.path())).into(),
            RequestTokenError::Other(reason) => failure(reason).into(),
        }
    }
}

/// Whether a token response body that failed to parse has an `id_token` that is not a JWT.
fn id_token_unreadable(body: &[u8]) -> bool {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut fields)) => match fields.remove("id_token") {
            Some(raw) => serde_json::from_value::<IdTokenJwt>(raw).is_err(),
            None => false,
        },
        _ => false,
    }
}

/// OpenID Connect Core §3.1.3.7 steps 3 to 5 and 10, on claims whose signature, issuer,
/// expiry and nonce already hold: `azp` must name us when present or when there are several
/// audiences; no audience other than us is trusted; `iat` must not be in the future.
fn check_time_and_parties(
    claims: &IdTokenClaims,
    client_id: &ClientId,
    now: chrono::DateTime<Utc>,
) -> Result<(), SignInFailure> {
    let several_audiences = claims.audiences().len() > 1;
    match claims.authorized_party() {
        Some(azp) if azp.as_str() != client_id.as_str() => {
            return Err(SignInFailure::IdTokenAuthorizedParty(format!(
                "issued to `{}`, not `{}`",
                azp.as_str(),
                client_id.as_str()
            )))
        }
        None if several_audiences => {
            return Err(SignInFailure::IdTokenAuthorizedParty(
                "several audiences but no `azp` naming this client".into(),
            ))
        }
        _ => {}
    }
    if let Some(other) = claims.audiences().iter().find(|aud| aud.as_str() != client_id.as_str()) {
        return Err(SignInFailure::IdTokenAudience(format!("`{}` is not a trusted audience", other.as_str())));
    }
    let iat = claims.issue_time();
    if iat > now + CLOCK_LEEWAY {
        return Err(SignInFailure::IdTokenIssuedInFuture(format!("issued at {iat}, now is {now}")));
    }
    Ok(())
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn id_token_failure(e: ClaimsVerificationError) -> Error {
    let failure = match e {
        ClaimsVerificationError::Expired(reason) => SignInFailure::IdTokenTime(reason),
        ClaimsVerificationError::InvalidAudience(reason) => SignInFailure::IdTokenAudience(reason),
        ClaimsVerificationError::InvalidIssuer(reason) => SignInFailure::IdTokenIssuer(reason),
        ClaimsVerificationError::InvalidNonce(reason) => SignInFailure::IdTokenNonce(reason),
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoSignature) => {
            SignInFailure::IdTokenUnsigned
        }
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::DisallowedAlg(reason)) => {
            SignInFailure::IdTokenAlgorithm(reason)
        }
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::UnsupportedAlg(reason)) => {
            SignInFailure::IdTokenAlgorithm(reason)
        }
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey) => {
            SignInFailure::IdTokenUnknownKey
        }
        ClaimsVerificationError::SignatureVerification(e) => SignInFailure::IdTokenSignature(e.to_string()),
        other => SignInFailure::IdTokenInvalid(other.to_string()),
    };
    failure.into()
}

fn require_secure(endpoint: &'static str, url: &Url) -> Result<(), SignInFailure> {
    if is_secure_or_loopback(url) {
        Ok(())
    } else {
        Err(SignInFailure::InsecureEndpoint { endpoint, url: url.to_string() })
    }
}

/// The issuer as configured, without the slash `Url` appends to a bare host.
fn issuer_text(url: &Url) -> String {
    let text = url.as_str();
    if url.path() == "/" && url.query().is_none() {
        text.trim_end_matches('/').to_owned()
    } else {
        text.to_owned()
    }
}

async fn get_json(http: &reqwest::Client, url: &str) -> Result<Vec<u8>, Error> {
    let response = http
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| transport_failure("sign-in", url, &e))?;
    let status = response.status();
    if status.is_redirection() {
        return Err(SignInFailure::Discovery {
            url: url.to_owned(),
            reason: format!("HTTP {status}: redirects are not followed; put the final URL in the profile"),
        }
        .into());
    }
    if !status.is_success() {
        return Err(SignInFailure::Discovery { url: url.to_owned(), reason: format!("HTTP {status}") }.into());
    }
    bounded_http::read_body(response, MAX_RESPONSE_BYTES).await.map_err(|e| match e {
        bounded_http::BodyReadError::TooLarge(t) => {
            SignInFailure::ResponseTooLarge { endpoint: url.to_owned(), limit: t.limit }.into()
        }
        bounded_http::BodyReadError::Transport(e) => transport_failure("sign-in", url, &e),
    })
}

async fn fetch_jwks(http: &reqwest::Client, url: &JsonWebKeySetUrl) -> Result<JsonWebKeySet<CoreJsonWebKey>, Error> {
    JsonWebKeySet::fetch_async(url, &BoundedHttp(http)).await.map_err(|e| match e {
        DiscoveryError::Request(e) if bounded_http::too_large(&e).is_some() => {
            SignInFailure::ResponseTooLarge { endpoint: url.to_string(), limit: MAX_RESPONSE_BYTES }.into()
        }
        DiscoveryError::Request(HttpClientError::Reqwest(e)) => transport_failure("sign-in", url.as_str(), &e),
        other => SignInFailure::Discovery { url: url.to_string(), reason: other.to_string() }.into(),
    })
}

/// A transport failure: the provider cannot be reached (or answered garbage on the wire).
fn transport_failure(action: &str, url: &str, e: &reqwest::Error) -> Error {
    let host = Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_else(|| url.to_owned());
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        reason.push_str(": ");
        reason.push_str(&inner.to_string());
        source = inner.source();
    }
    Error::Offline { action: action.to_owned(), host, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_text_drops_only_the_slash_url_adds() {
        let bare = Url::parse("http://127.0.0.1:8080").expect("url");
        assert_eq!(issuer_text(&bare), "http://127.0.0.1:8080");
        let with_path = Url::parse("https://iam.example.com/otdsws/").expect("url");
        assert_eq!(issuer_text(&with_path), "https://iam.example.com/otdsws/");
    }

    #[test]
    fn symmetric_and_none_algorithms_are_never_accepted() {
        for alg in [
            CoreJwsSigningAlgorithm::HmacSha256,
            CoreJwsSigningAlgorithm::HmacSha384,
            CoreJwsSigningAlgorithm::HmacSha512,
            CoreJwsSigningAlgorithm::None,
        ] {
            assert!(!ACCEPTED_ALGORITHMS.contains(&alg), "{alg:?} must be refused");
        }
    }

    #[test]
    fn client_session_and_futures_can_cross_threads() {
        // Hosts keep these in shared state and await them on multi-threaded runtimes.
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>(_: T) {}
        send_sync::<OidcClient>();
        send_sync::<Session>();
        // Type-checked, never run.
        let _futures_are_send = |oidc: &OidcClient, browser: &dyn Browser, refresh: &RefreshToken| {
            send(oidc.sign_in(browser, Duration::from_secs(1)));
            send(oidc.refresh(refresh));
            send(oidc.sign_out(refresh));
        };
    }

    #[test]
    fn id_token_claims_keep_custom_claims() {
        // The flattened map must see custom claims next to the standard ones openidconnect reads.
        let claims: IdTokenClaims = serde_json::from_value(serde_json::json!({
            "iss": "https://iam", "sub": "ada", "aud": "c", "exp": 2_000_000_000, "iat": 1_700_000_000,
            "preferred_username": "ada.emea", "bu_scopes": ["EMEA"], "capabilities": "review"
        }))
        .expect("valid claims");
        assert_eq!(claims.additional_claims().all.get("bu_scopes"), Some(&serde_json::json!(["EMEA"])));
        assert_eq!(claims.preferred_username().map(|u| u.as_str()), Some("ada.emea"));
    }
}
