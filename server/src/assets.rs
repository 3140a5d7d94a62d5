//! The site's own files (`settle.js`, `settle.wasm`, `settle.css`) under a
//! path that names their content: `/pkg/{version}/settle.wasm`, where
//! `version` is a hash of the three files as this process loaded them.
//!
//! A browser (and nginx in front) may then keep them for a year without
//! asking again: a new release has new bytes, hence a new path in every page
//! it renders, so an old wasm never runs against new pages. The version is
//! worked out when the server starts, from the files themselves, rather than
//! by cargo-leptos's `hash-files`: that writes a `hash.txt` which Leptos looks
//! for next to the running executable, so a binary copied to
//! `/usr/local/bin`, or rebuilt by `cargo bench`, would have asked for names
//! the site does not hold (the trap `.cargo/config.toml` describes).
//!
//! The files are held in memory from start-up, so what is served under a
//! version is always what that version was computed from, even while a deploy
//! replaces the files on disk. A path with another version (a page rendered by
//! the previous release, still open in a tab) gets a 404 that is never cached,
//! and the POS says its script failed to load and to reload the page.
//!
//! The unversioned `/pkg/settle.css` and friends stay served from disk by the
//! router's fallback (the static "not found" pages use it), revalidated on
//! every use.
use axum::{
    body::Bytes,
    extract::Path,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// `Cache-Control` of a versioned file: a year, and never revalidated.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Hex digits of the version: 64 bits, far from any accidental collision
/// between two releases of one shop.
const VERSION_LEN: usize = 16;

#[derive(Debug)]
struct SiteFile {
    name: String,
    content_type: &'static str,
    bytes: Bytes,
}

/// The built site's files as loaded at start-up, and their version.
#[derive(Debug)]
pub struct SiteFiles {
    version: String,
    files: Vec<SiteFile>,
}

impl SiteFiles {
    /// Reads `{site_root}/pkg/{output_name}.{js,wasm,css}`. A file that is
    /// missing (the site was not built: most tests) is left out and pages
    /// still render; the start-up warning about the stylesheet says what to do.
    pub fn load(site_root: &str, output_name: &str) -> SiteFiles {
        let pkg = std::path::Path::new(site_root).join("pkg");
        let mut files = Vec::new();
        for (ext, content_type) in [
            ("js", "text/javascript; charset=utf-8"),
            ("wasm", "application/wasm"),
            ("css", "text/css; charset=utf-8"),
        ] {
            let name = format!("{output_name}.{ext}");
            match std::fs::read(pkg.join(&name)) {
                Ok(bytes) => files.push(SiteFile {
                    name,
                    content_type,
                    bytes: Bytes::from(bytes),
                }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(file = %pkg.join(&name).display(), error = %e, "site file not readable; pages will ask for it in vain")
                }
            }
        }
        let mut hash = Sha256::new();
        for f in &files {
            // Name and length first, so two different sets of files can never
            // hash the same bytes in a different split.
            hash.update(f.name.as_bytes());
            hash.update((f.bytes.len() as u64).to_le_bytes());
            hash.update(&f.bytes);
        }
        let digest = hash.finalize();
        let version = digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()[..VERSION_LEN]
            .to_owned();
        SiteFiles { version, files }
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// What Leptos calls the site's package directory: pages ask for
    /// `/{pkg_dir}/settle.js` and so on.
    pub fn pkg_dir(&self) -> String {
        format!("pkg/{}", self.version)
    }

    fn answer(&self, version: &str, name: &str, headers: &HeaderMap) -> Response {
        let file = (version == self.version)
            .then(|| self.files.iter().find(|f| f.name == name))
            .flatten();
        let Some(file) = file else {
            return (
                StatusCode::NOT_FOUND,
                [(header::CACHE_CONTROL, "no-store")],
                "This file is not part of the running version of Settle. Reload the page.",
            )
                .into_response();
        };
        let etag = format!("\"{}\"", self.version);
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        let mut res = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            (
                [(header::CONTENT_TYPE, file.content_type)],
                file.bytes.clone(),
            )
                .into_response()
        };
        let h = res.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        res
    }
}

/// `GET /pkg/{version}/{file}`.
pub fn routes<S: Clone + Send + Sync + 'static>(files: Arc<SiteFiles>) -> Router<S> {
    Router::new().route(
        "/pkg/{version}/{file}",
        get(
            move |Path((version, file)): Path<(String, String)>, headers: HeaderMap| {
                let files = files.clone();
                async move { files.answer(&version, &file, &headers) }
            },
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(css: &str) -> (tempdir::Dir, SiteFiles) {
        let dir = tempdir::Dir::new();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/settle.css"), css).unwrap();
        std::fs::write(dir.path().join("pkg/settle.js"), "export default 1;").unwrap();
        let files = SiteFiles::load(dir.path().to_str().unwrap(), "settle");
        (dir, files)
    }

    #[test]
    fn the_version_follows_the_content_and_only_it() {
        let (_a, one) = site("body { color: black }");
        let (_b, same) = site("body { color: black }");
        let (_c, other) = site("body { color: navy }");
        assert_eq!(one.version(), same.version());
        assert_ne!(one.version(), other.version());
        assert_eq!(one.version().len(), VERSION_LEN);
        assert!(one.version().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(one.pkg_dir(), format!("pkg/{}", one.version()));
    }

    #[test]
    fn a_file_is_served_only_under_the_current_version() {
        let (_d, files) = site("body { color: black }");
        let v = files.version().to_owned();
        let ok = files.answer(&v, "settle.css", &HeaderMap::new());
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()[header::CACHE_CONTROL], IMMUTABLE);
        assert_eq!(
            ok.headers()[header::CONTENT_TYPE],
            "text/css; charset=utf-8"
        );

        let stale = files.answer("0123456789abcdef", "settle.css", &HeaderMap::new());
        assert_eq!(stale.status(), StatusCode::NOT_FOUND);
        assert_eq!(stale.headers()[header::CACHE_CONTROL], "no-store");
        // Only the site's own files, never a path into the directory.
        for name in ["settle.wasm", "../Cargo.toml", "settle.css.map"] {
            assert_eq!(
                files.answer(&v, name, &HeaderMap::new()).status(),
                StatusCode::NOT_FOUND,
                "{name}"
            );
        }

        let mut asked = HeaderMap::new();
        asked.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"{v}\"")).unwrap(),
        );
        assert_eq!(
            files.answer(&v, "settle.css", &asked).status(),
            StatusCode::NOT_MODIFIED
        );
    }

    /// A scratch directory removed when dropped (no extra dependency for it).
    mod tempdir {
        pub struct Dir(std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                let p = std::env::temp_dir().join(format!(
                    "settle-assets-{}-{}",
                    std::process::id(),
                    rand::random::<u64>()
                ));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
            pub fn path(&self) -> &std::path::Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }
}
