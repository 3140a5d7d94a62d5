//! Any build serves the POS (issue 13, "Run it in production"). Leptos names
//! the wasm in each page at compile time: `{output-name}.wasm` when
//! cargo-leptos's `LEPTOS_OUTPUT_NAME` was set, `{output-name}_bg.wasm`
//! otherwise, while cargo-leptos always writes `{output-name}.wasm`. A server
//! built by `cargo bench` or a plain `cargo build` then asked for a file that
//! does not exist and the POS never started. `cargo test` builds this binary
//! the same way, without cargo-leptos (only the workspace's
//! `.cargo/config.toml`), so here the real binary serves the POS and its
//! page must name the files cargo-leptos writes.
//!
//! The site files themselves exist only after `cargo leptos build`, which
//! `scripts/test` runs after the Rust tests; it then runs this module again
//! with `SETTLE_SITE_BUILT=1`, and the files must be there and be served.
use crate::common::doubles::workspace_root;
use crate::common::process::SettleProcess;
use crate::common::Backend;
use crate::scale::{client, sign_in, store};
use std::path::PathBuf;

/// `output-name` of the workspace's `[[workspace.metadata.leptos]]`: cargo-leptos
/// writes `pkg/{name}.js`, `pkg/{name}.wasm` and `pkg/{name}.css` from it.
fn output_name() -> String {
    let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml"))
        .expect("reading the workspace Cargo.toml");
    let manifest: toml::Value =
        toml::from_str(&manifest).expect("parsing the workspace Cargo.toml");
    manifest["workspace"]["metadata"]["leptos"][0]["output-name"]
        .as_str()
        .expect("output-name in [[workspace.metadata.leptos]]")
        .to_owned()
}

/// Where cargo-leptos puts the site (`site-root`), under the workspace even
/// when `CARGO_TARGET_DIR` moves the binaries.
fn site_root() -> PathBuf {
    workspace_root().join("target/site")
}

/// The value of `attr` on the first `<tag …>` whose markup contains `marker`.
fn attribute_of(html: &str, tag: &str, marker: &str, attr: &str) -> Option<String> {
    html.split(&format!("<{tag} "))
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap_or_default())
        .find(|markup| markup.contains(marker))
        .and_then(|markup| {
            let start = markup.find(&format!("{attr}=\""))? + attr.len() + 2;
            let len = markup[start..].find('"')?;
            Some(markup[start..start + len].to_owned())
        })
}

async fn the_pos_names_the_files_the_build_writes(backend: Backend) {
    let name = output_name();
    let (test_db, _db) = store(backend).await;
    let site = site_root();
    let p = SettleProcess::start(
        &test_db.url,
        &[("LEPTOS_SITE_ROOT", site.display().to_string())],
    )
    .await;
    let cashier = client();
    sign_in(&cashier, &p.url("")).await;
    let res = cashier.get(p.url("/pos")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let html = res.text().await.unwrap().replace("<!>", "");
    assert!(
        html.contains("<leptos-island"),
        "the till is an island: {html}"
    );

    // The page loads exactly the files cargo-leptos writes, under the
    // directory of the running version (`server::assets`).
    let js = attribute_of(&html, "link", "modulepreload", "href").expect("the script preloaded");
    let pkg_dir = js
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix(&format!("/{name}.js")))
        .unwrap_or_else(|| panic!("the script is pkg/{{version}}/{name}.js: {js}"))
        .to_owned();
    let version = pkg_dir.strip_prefix("pkg/").unwrap_or_default();
    assert!(
        version.len() == 16 && version.bytes().all(|b| b.is_ascii_hexdigit()),
        "pkg/{{16 hex digits}}: {pkg_dir}"
    );
    let wasm = format!("/{pkg_dir}/{name}.wasm");
    let css = format!("/{pkg_dir}/{name}.css");
    assert_eq!(
        attribute_of(&html, "link", "application/wasm", "href").as_deref(),
        Some(wasm.as_str()),
        "the wasm preloaded"
    );
    assert_eq!(
        attribute_of(&html, "link", r#"rel="stylesheet""#, "href").as_deref(),
        Some(css.as_str()),
        "the stylesheet"
    );
    // The island loader's own arguments: pkg dir, script name, wasm name.
    let loader_args = format!("{:?}, {:?}, {:?}", pkg_dir, name, name);
    assert!(
        html.contains(&loader_args),
        "the island loader should fetch {js} and {wasm}, not {name}_bg.wasm: {html}"
    );
    assert!(!html.contains(&format!("{name}_bg")), "{html}");

    // The start-failure watch is there, hidden, and the CSP lets it run.
    assert!(
        attribute_of(&html, "p", r#"id="pos-failed""#, "role").as_deref() == Some("alert")
            && html.contains("The POS could not start"),
        "{html}"
    );
    let failed_tag = html
        .split(r#"id="pos-failed""#)
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_default();
    assert!(
        failed_tag.contains("hidden"),
        "shown only on failure: {failed_tag}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce in the CSP");
    let watch = html
        .find(r#"getElementById("pos-loading")"#)
        .expect("the start-failure watch script");
    let tag = &html[html[..watch].rfind("<script").expect("its <script> tag")..watch];
    assert!(
        tag.contains(&format!(r#"nonce="{nonce}""#)),
        "the watch must carry the page's nonce ({nonce}): {tag}"
    );

    // With the site built (scripts/test, after `cargo leptos build`), those
    // files exist and this server answers them.
    let built = std::env::var_os("SETTLE_SITE_BUILT").is_some();
    if !built && !site.join("pkg").exists() {
        eprintln!(
            "site: {} is not built yet; checked the names only (scripts/test checks the files after the leptos build)",
            site.display()
        );
        return;
    }
    for (path, kind) in [
        (js.as_str(), "javascript"),
        (wasm.as_str(), "application/wasm"),
        (css.as_str(), "text/css"),
    ] {
        let file = path.rsplit('/').next().unwrap_or_default();
        assert!(
            site.join("pkg").join(file).is_file(),
            "pkg/{file} is missing from {}",
            site.display()
        );
        let res = reqwest::get(p.url(path)).await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let content_type = header("content-type");
        assert!(content_type.contains(kind), "{path}: {content_type}");
        // Named by its content, so kept for a year and never asked again.
        assert_eq!(
            header("cache-control"),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        let body = res.bytes().await.unwrap();
        assert_eq!(
            body.as_ref(),
            std::fs::read(site.join("pkg").join(file))
                .unwrap()
                .as_slice(),
            "{path} is the built file"
        );
        if path.ends_with(".wasm") {
            assert!(body.starts_with(b"\0asm"), "{path} is not WebAssembly");
        }
        // Under another version (a page of the previous release): not found,
        // and that answer is not kept.
        let stale = reqwest::get(p.url(&format!("/pkg/0000000000000000/{file}")))
            .await
            .unwrap();
        assert_eq!(stale.status(), 404, "{file} under another version");
        assert_eq!(stale.headers()["cache-control"], "no-store");
    }
    p.assert_no_panic();
}

both_backends!(the_pos_names_the_files_the_build_writes);
