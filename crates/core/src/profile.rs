//! Profiles: what central IT hands a regional admin (DESIGN.md, "Profiles").
//!
//! A profile is a TOML file naming the IAM (issuer, client id, scopes), the SCIM base URL,
//! the claim names that carry the admin context and the SCIM attribute holding a user's BU.
//! It holds no secret: a confidential client's secret lives in the OS keyring.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::Error;
use crate::roles::{ConflictingRoles, Role, RoleCatalog};

pub const DEFAULT_BU_ATTRIBUTE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Short name, shown in the UI and used to name the workspace's cache.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub oidc: OidcSettings,
    #[serde(default)]
    pub claims: ClaimNames,
    pub scim: ScimSettings,
    #[serde(default)]
    pub offline: OfflineSettings,
    #[serde(default)]
    pub grants: GrantSettings,
    /// The role catalog (`[[roles]]`): the groups Bailiwick assigns and grants, with their policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// Pairs of roles nobody may hold together (`[[separation_of_duties]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub separation_of_duties: Vec<ConflictingRoles>,
}

/// How grants are kept (DESIGN.md, "The model").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GrantModeSetting {
    /// Server mode when the server advertises the Grant resource type, else ledger mode.
    #[default]
    Auto,
    Server,
    Ledger,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GrantSettings {
    pub mode: GrantModeSetting,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// The OpenID Provider's issuer; discovery is at `{issuer}/.well-known/openid-configuration`.
    pub issuer: Url,
    pub client_id: String,
    /// Scopes to request; `openid` is always sent. Include `offline_access` to get a refresh
    /// token (Bailiwick then also sends `prompt=consent`, or some providers drop it).
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
}

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email", "offline_access"].map(str::to_owned).to_vec()
}

/// Names of the claims (in the ID token, else userinfo) that carry the admin context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClaimNames {
    /// A JSON array of BU paths (`["EMEA"]`), or one space-separated string.
    pub bu_scopes: String,
    /// A JSON array of capability names (`["manage-users", "review"]`), or one string.
    pub capabilities: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self { bu_scopes: "bu_scopes".into(), capabilities: "capabilities".into() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScimSettings {
    /// The SCIM service root, e.g. `https://otds.example.com/otdsws/scim/partition`.
    pub base_url: Url,
    /// The attribute holding a user's BU path, as a full SCIM attribute path.
    #[serde(default = "default_bu_attribute")]
    pub bu_attribute: String,
    /// Page size asked for when listing; servers may return fewer (and often cap it).
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// List pages requested at once during a sync (1: one after the other).
    #[serde(default = "default_pages_in_flight")]
    pub pages_in_flight: usize,
    /// How a sync pages through the directory: `auto` (by cursor when the server announces
    /// that it pages only or preferably so, else by index), `index` or `cursor`.
    #[serde(default)]
    pub paging: Paging,
}

/// How listings page: by `startIndex` (RFC 7644 §3.4.2.4) or by cursor (RFC 9865).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paging {
    /// As the server's ServiceProviderConfig says it prefers (`ServerFeatures`).
    #[default]
    Auto,
    /// By index, several pages at once (`pages_in_flight`).
    Index,
    /// By cursor, one page after the other.
    Cursor,
}

fn default_bu_attribute() -> String {
    DEFAULT_BU_ATTRIBUTE.to_owned()
}

fn default_page_size() -> u32 {
    500
}

fn default_pages_in_flight() -> usize {
    4
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OfflineSettings {
    /// The longest the cache may be used without the IAM confirming the session (a sign-in
    /// or a token refresh), in hours; then it locks until the admin signs in again.
    pub max_age_hours: u32,
    /// Encrypt the cache at rest (SQLCipher, key in the OS keyring).
    pub encrypt_cache: bool,
}

impl Default for OfflineSettings {
    fn default() -> Self {
        Self { max_age_hours: 24 * 14, encrypt_cache: true }
    }
}

impl Profile {
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, Error> {
        let profile: Profile = toml::from_str(text)
            .map_err(|e| Error::Profile { origin: origin.to_owned(), reason: e.message().to_owned() })?;
        profile.validate(origin)?;
        Ok(profile)
    }

    pub fn load_file(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Profile {
            origin: path.display().to_string(),
            reason: format!("cannot read the file: {e}"),
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Where a profile NAME is looked up: `{data_dir}/profiles/{NAME}.toml`.
    pub fn path_for_name(data_dir: &Path, name: &str) -> PathBuf {
        data_dir.join("profiles").join(format!("{name}.toml"))
    }

    pub fn to_toml(&self) -> String {
        // A Profile only holds strings, numbers and tables; serialising it cannot fail.
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// TLS for everything but loopback (RFC 8252 §8.3 allows loopback HTTP for native apps).
    fn validate(&self, origin: &str) -> Result<(), Error> {
        let bad = |reason: String| Error::Profile { origin: origin.to_owned(), reason };
        if self.name.trim().is_empty() {
            return Err(bad("`name` is empty".into()));
        }
        if self.oidc.client_id.trim().is_empty() {
            return Err(bad("`oidc.client_id` is empty".into()));
        }
        for (field, url) in [("oidc.issuer", &self.oidc.issuer), ("scim.base_url", &self.scim.base_url)] {
            if !is_secure_or_loopback(url) {
                return Err(bad(format!("`{field}` must use https (plain http is allowed on loopback only): {url}")));
            }
        }
        if self.scim.page_size == 0 {
            return Err(bad("`scim.page_size` must be at least 1".into()));
        }
        if let Some(problem) = self.catalog().problems().into_iter().next() {
            return Err(bad(problem));
        }
        Ok(())
    }

    /// The role catalog with its separation-of-duties pairs.
    pub fn catalog(&self) -> RoleCatalog {
        RoleCatalog { roles: self.roles.clone(), separation_of_duties: self.separation_of_duties.clone() }
    }

    /// A stable key for this workspace: same IAM, same client, same directory.
    pub fn workspace_key(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        for part in [self.oidc.issuer.as_str(), &self.oidc.client_id, self.scim.base_url.as_str()] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        let digest = hash.finalize();
        let slug: String = self
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '-' })
            .collect();
        format!("{slug}-{}", &hex(&digest)[..12])
    }
}

/// What `--profile NAME|FILE` names.
#[derive(Debug, Clone, PartialEq)]
pub enum ProfileSpec {
    /// The built-in demo workspace: the host starts the sandbox IAM and takes its profile.
    Demo,
    /// A profile file, given as a path or found by name in the data dir.
    File(PathBuf),
}

/// The name of the built-in demo profile.
pub const DEMO: &str = "demo";

impl ProfileSpec {
    /// A spec holding a path separator or ending in `.toml` is a file; otherwise it is a NAME,
    /// looked up as `{data_dir}/profiles/{NAME}.toml`, except `demo`, which is built in.
    pub fn resolve(spec: &str, data_dir: &Path) -> Result<ProfileSpec, Error> {
        let looks_like_path = spec.contains('/') || spec.contains('\\') || spec.ends_with(".toml");
        if looks_like_path {
            let path = PathBuf::from(spec);
            if !path.is_file() {
                return Err(Error::ProfileNotFound { name: spec.to_owned(), path: path.display().to_string() });
            }
            return Ok(ProfileSpec::File(path));
        }
        if spec == DEMO {
            return Ok(ProfileSpec::Demo);
        }
        let path = Profile::path_for_name(data_dir, spec);
        if path.is_file() {
            Ok(ProfileSpec::File(path))
        } else {
            Err(Error::ProfileNotFound { name: spec.to_owned(), path: path.display().to_string() })
        }
    }
}

/// The OS's per-user data directory for Bailiwick, shared by the desktop app and the CLI so
/// both see the same workspaces.
pub fn default_data_dir() -> Result<PathBuf, Error> {
    directories::ProjectDirs::from("com", "Bailiwick", "Bailiwick")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| Error::Usage("no home directory found; pass --data-dir or set BAILIWICK_DATA_DIR".into()))
}

pub fn is_secure_or_loopback(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        },
        _ => false,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "emea"
[oidc]
issuer = "https://iam.example.com/otdsws"
client_id = "bailiwick"
[scim]
base_url = "https://iam.example.com/otdsws/scim/corp"
"#;

    #[test]
    fn minimal_profile_gets_documented_defaults() {
        let p = Profile::from_toml(MINIMAL, "test").expect("minimal profile is valid");
        assert_eq!(p.scim.bu_attribute, DEFAULT_BU_ATTRIBUTE);
        assert_eq!(p.claims.bu_scopes, "bu_scopes");
        assert!(p.oidc.scopes.iter().any(|s| s == "offline_access"));
        let again = Profile::from_toml(&p.to_toml(), "round trip").expect("printed profile parses");
        assert_eq!(again, p);
    }

    #[test]
    fn the_shipped_otds_example_is_a_valid_profile() {
        let text = include_str!("../../../profiles/otds-example.toml");
        let p = Profile::from_toml(text, "profiles/otds-example.toml").expect("the documented example must parse");
        assert_eq!(p.oidc.issuer.as_str(), "https://otds.example.com/otdsws");
        assert!(p.scim.base_url.path().starts_with("/otdsws/scim/"));
        let catalog = p.catalog();
        assert_eq!(catalog.roles.len(), 3, "the example documents a role catalog");
        assert!(catalog.role("exstream administrator").is_some_and(|r| r.needs_approval && !r.confers.is_empty()));
        assert_eq!(catalog.separation_of_duties.len(), 1);
    }

    #[test]
    fn plain_http_is_refused_except_on_loopback() {
        let remote = MINIMAL.replace("https://iam.example.com/otdsws\"", "http://iam.example.com/otdsws\"");
        let err = Profile::from_toml(&remote, "test").expect_err("http to a remote host must be refused");
        assert!(err.to_string().contains("oidc.issuer"), "error names the field: {err}");
        let loopback = MINIMAL
            .replace("https://iam.example.com/otdsws\"", "http://127.0.0.1:8080\"")
            .replace("https://iam.example.com/otdsws/scim/corp", "http://localhost:8080/scim/v2");
        Profile::from_toml(&loopback, "test").expect("loopback http is allowed");
    }

    #[test]
    fn unknown_fields_and_missing_sections_are_specific_errors() {
        let typo = MINIMAL.replace("client_id", "clientid");
        let err = Profile::from_toml(&typo, "typo.toml").expect_err("typo refused");
        assert!(err.to_string().contains("typo.toml"), "error names the file: {err}");
        assert!(Profile::from_toml("name = \"x\"", "t").is_err());
    }

    #[test]
    fn profile_spec_tells_names_files_and_the_demo_apart() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(ProfileSpec::resolve("demo", dir.path()).expect("demo is built in"), ProfileSpec::Demo);
        let missing = ProfileSpec::resolve("emea", dir.path()).expect_err("no such profile yet");
        assert!(missing.to_string().contains("profiles"), "error says where it looked: {missing}");
        let path = Profile::path_for_name(dir.path(), "emea");
        std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
        std::fs::write(&path, MINIMAL).expect("write");
        assert_eq!(ProfileSpec::resolve("emea", dir.path()).expect("found by name"), ProfileSpec::File(path.clone()));
        let by_path = path.display().to_string();
        assert_eq!(ProfileSpec::resolve(&by_path, dir.path()).expect("found by path"), ProfileSpec::File(path));
    }

    #[test]
    fn a_role_catalog_with_problems_is_refused_naming_them() {
        let text = format!(
            "{MINIMAL}\n[[roles]]\nname = \"A\"\n\n[[separation_of_duties]]\nroles = [\"A\", \"Ghost\"]\nreason = \"x\"\n"
        );
        let err = Profile::from_toml(&text, "catalog.toml").expect_err("a pair naming an unknown role");
        assert!(err.to_string().contains("\"Ghost\""), "{err}");
        let typo = format!("{MINIMAL}\n[[roles]]\nname = \"A\"\nmax_days = 3\n");
        assert!(Profile::from_toml(&typo, "t").is_err(), "unknown role fields are refused");
    }

    #[test]
    fn workspace_key_differs_per_directory() {
        let a = Profile::from_toml(MINIMAL, "t").expect("valid");
        let mut b = a.clone();
        b.scim.base_url = Url::parse("https://iam.example.com/otdsws/scim/other").expect("url");
        assert_ne!(a.workspace_key(), b.workspace_key());
        assert!(a.workspace_key().starts_with("emea-"));
    }
}
