//! Container image references as App Service reads them: `DOCKER|host/repo:tag`,
//! `host/repo@sha256:…`, Docker Hub short forms (`nginx` → `docker.io/library/nginx:latest`),
//! the `sitecontainers` sidecar model and legacy `COMPOSE|<base64>`.

use std::fmt;

use base64::Engine;

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host, lowercase, with `:port` when one was given. Docker Hub is `docker.io`.
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// The host without a port.
    pub fn host(&self) -> &str {
        self.registry.split(':').next().unwrap_or(&self.registry)
    }

    /// The tag or digest the platform pulls (`latest` when neither is given).
    pub fn reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.clone(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".into(),
        }
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// Parses a reference the way the Docker/OCI distribution grammar does.
pub fn parse(reference: &str) -> Result<ImageRef, String> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err("the image reference is empty".into());
    }
    if reference.contains(char::is_whitespace) {
        return Err(format!("`{reference}` contains white space"));
    }
    if reference.contains("://") {
        return Err(format!(
            "`{reference}` has a URL scheme; an image reference is host/repository:tag without https://"
        ));
    }
    let (name_and_tag, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(parse_digest(digest)?)),
        None => (reference, None),
    };
    // A tag follows the last ':' that comes after the last '/' (a ':' before it is a port).
    let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
        Some(i) => {
            let at = last_slash + i;
            (&name_and_tag[..at], Some(&name_and_tag[at + 1..]))
        }
        None => (name_and_tag, None),
    };
    if let Some(tag) = tag {
        let valid = !tag.is_empty()
            && tag.len() <= 128
            && tag
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !valid {
            return Err(format!(
                "`{tag}` is not a valid tag (letters, digits, `_`, `.`, `-`; at most 128)"
            ));
        }
    }
    let (registry, path) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_ascii_lowercase(), rest.to_string())
        }
        _ => ("docker.io".to_string(), name.to_string()),
    };
    let path = if registry == "docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path
    };
    if path.is_empty() {
        return Err(format!("`{reference}` names no repository"));
    }
    for component in path.split('/') {
        let valid = !component.is_empty()
            && component
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            && component
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && component
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if !valid {
            return Err(format!(
                "repository `{path}` is not valid: each component is lowercase letters and digits, separated by `.`, `_` or `-`"
            ));
        }
    }
    Ok(ImageRef {
        registry,
        repository: path,
        tag: tag.map(str::to_string),
        digest,
    })
}

fn parse_digest(digest: &str) -> Result<String, String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!(
            "`{digest}` is not a digest (expected sha256:<64 hex digits>)"
        ));
    };
    let expected_len = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        _ => {
            return Err(format!(
                "digest algorithm `{algorithm}` is not supported (sha256 or sha512)"
            ));
        }
    };
    if hex.len() != expected_len
        || !hex
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    {
        return Err(format!(
            "`{digest}` is not a valid {algorithm} digest ({expected_len} lowercase hex digits)"
        ));
    }
    Ok(digest.to_string())
}

/// What `linuxFxVersion` (or `windowsFxVersion`) says the site runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FxVersion {
    /// `DOCKER|<image>`
    Docker(String),
    /// `sitecontainers`: images are in `sites/<app>/sitecontainers`.
    SiteContainers,
    /// `COMPOSE|<base64 YAML>` (retired), with the images found in it.
    Compose(Result<Vec<String>, String>),
    /// A code stack such as `DOTNETCORE|9.0` or `NODE|20-lts`.
    CodeStack(String),
    /// Empty or absent.
    None,
}

pub fn parse_fx_version(value: Option<&str>) -> FxVersion {
    let value = value.unwrap_or("").trim();
    if value.is_empty() {
        return FxVersion::None;
    }
    if value.eq_ignore_ascii_case("sitecontainers") {
        return FxVersion::SiteContainers;
    }
    let (stack, rest) = value.split_once('|').unwrap_or((value, ""));
    match stack.to_ascii_uppercase().as_str() {
        "DOCKER" => FxVersion::Docker(rest.to_string()),
        "COMPOSE" => FxVersion::Compose(compose_images(rest)),
        _ => FxVersion::CodeStack(value.to_string()),
    }
}

/// The `image:` values of a base64-encoded compose file.
fn compose_images(encoded: &str) -> Result<Vec<String>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| "the COMPOSE| value is not valid base64".to_string())?;
    let text = String::from_utf8(bytes)
        .map_err(|_| "the decoded compose file is not UTF-8".to_string())?;
    Ok(text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("image:"))
        .map(|image| image.trim().trim_matches(['"', '\'']).to_string())
        .filter(|image| !image.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acr_reference_with_tag() {
        let r = parse("secureacr2021.azurecr.io/privatewebsite:lnx-v1").unwrap();
        assert_eq!(r.registry, "secureacr2021.azurecr.io");
        assert_eq!(r.repository, "privatewebsite");
        assert_eq!(r.reference(), "lnx-v1");
    }

    #[test]
    fn docker_hub_defaults() {
        let r = parse("nginx").unwrap();
        assert_eq!(
            (
                r.registry.as_str(),
                r.repository.as_str(),
                r.reference().as_str()
            ),
            ("docker.io", "library/nginx", "latest")
        );
        assert_eq!(
            parse("bitnami/redis:7").unwrap().repository,
            "bitnami/redis"
        );
    }

    #[test]
    fn port_and_digest() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let r = parse(&format!("myreg.example.com:5000/team/app@{digest}")).unwrap();
        assert_eq!(r.registry, "myreg.example.com:5000");
        assert_eq!(r.host(), "myreg.example.com");
        assert_eq!(r.digest.as_deref(), Some(digest.as_str()));
        assert!(parse("r.azurecr.io/app@sha256:abc").is_err());
    }

    #[test]
    fn rejects_what_the_platform_rejects() {
        assert!(parse("r.azurecr.io/App:v1").is_err());
        assert!(parse("https://r.azurecr.io/app:v1").is_err());
        assert!(parse("r.azurecr.io/app:").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn fx_versions() {
        assert_eq!(
            parse_fx_version(Some("DOCKER|r.azurecr.io/a:1")),
            FxVersion::Docker("r.azurecr.io/a:1".into())
        );
        assert_eq!(
            parse_fx_version(Some("SITECONTAINERS")),
            FxVersion::SiteContainers
        );
        assert_eq!(
            parse_fx_version(Some("NODE|20-lts")),
            FxVersion::CodeStack("NODE|20-lts".into())
        );
        let compose = base64::engine::general_purpose::STANDARD
            .encode("services:\n  web:\n    image: \"r.azurecr.io/web:1\"\n");
        assert_eq!(
            parse_fx_version(Some(&format!("COMPOSE|{compose}"))),
            FxVersion::Compose(Ok(vec!["r.azurecr.io/web:1".into()]))
        );
    }
}
