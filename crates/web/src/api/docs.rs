//! `GET /docs`: the API's reference, rendered in the browser from `/openapi.json` by Redoc,
//! whose standalone bundle is served from the binary (`GET /docs/redoc.standalone.js`), so
//! the page needs no CDN and fetches nothing from another site.
//!
//! The bundle is Redoc 2.5.4's `bundles/redoc.standalone.js`, unchanged, from
//! `npm pack redoc@2.5.4` (MIT: `static/api-docs/REDOC-LICENSE.txt`; the libraries inside
//! it: `static/api-docs/redoc.standalone.js.LICENSE.txt`).
//!
//! The page has no script of its own: the bundle renders the `<redoc spec-url>` element it
//! finds when it runs (it is loaded with `defer`, after the element is parsed). Redoc puts
//! its styles in inline `<style>` elements and runs its search in a worker made from a
//! `blob:` address, so the page carries its own policy, [`DOCS_CONTENT_SECURITY_POLICY`]:
//! the site's, plus `worker-src blob:` (the security-header layer sets the site's policy
//! only on answers without one). Scripts still come only from this site. The one
//! other-site address the bundle would load, the Redocly logo beside "API docs by Redocly"
//! (`https://cdn.redoc.ly/...`), is refused by `img-src`, and Redoc then leaves it out.

use crate::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

/// The Redoc release whose bundle is served; the page's script address names it, so a new
/// release is a new address and the long-cached old one is never reused.
macro_rules! redoc_version {
    () => {
        "2.5.4"
    };
}

const REDOC_JS: &[u8] = include_bytes!("../../static/api-docs/redoc.standalone.js");

/// The reference page's policy: the site's (`server::CONTENT_SECURITY_POLICY`) with
/// `worker-src 'self' blob:` added, for Redoc's search worker. Nothing else is loosened:
/// scripts only from this site (no inline script, no `eval`), inline styles as the whole
/// site allows them, images from here or `data:`, fetches (the spec) only from here.
pub const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The page. zh-CN first, as the rest of the site; the spec and the script are this
/// site's own addresses.
const PAGE: &str = concat!(
    r#"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bangbang API 参考 / API reference</title>
<link rel="icon" href="data:,">
<script src="/api/v1/docs/redoc.standalone.js?v="#,
    redoc_version!(),
    r#"" defer></script>
<style>
  body { margin: 0; }
  .api-docs-note { margin: 0; padding: 0.6rem 1rem; font: 14px/1.5 system-ui, sans-serif;
    background: #f4f6f8; border-bottom: 1px solid #dde2e6; color: #333; }
  .api-docs-note p { margin: 0; }
</style>
</head>
<body>
<header class="api-docs-note">
  <p><strong>bangbang API 参考</strong>：由 OpenAPI 文档生成，接口调用需带令牌（Authorization: Bearer）。
  机器可读的文档：<a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p>
  <p lang="en">API reference, rendered from the OpenAPI document
  (<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>); calls take a bearer token.</p>
</header>
<noscript><p class="api-docs-note">此页需要 JavaScript；文档本身见上方链接。
  This page needs JavaScript; the document itself is at the link above.</p></noscript>
<redoc spec-url="/api/v1/openapi.json"></redoc>
</body>
</html>
"#
);

/// The routes, relative to the API's `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/docs", get(page))
        .route("/docs/redoc.standalone.js", get(redoc_js))
}

async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                DOCS_CONTENT_SECURITY_POLICY,
            ),
        ],
        PAGE,
    )
}

async fn redoc_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // The page asks for `?v=<release>`: a year, never revalidated.
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        REDOC_JS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_this_sites_script_and_spec() {
        assert!(PAGE.contains(&format!(
            r#"<script src="/api/v1/docs/redoc.standalone.js?v={}" defer></script>"#,
            redoc_version!()
        )));
        assert!(PAGE.contains(r#"<redoc spec-url="/api/v1/openapi.json"></redoc>"#));
        assert!(PAGE.contains(r#"href="/api/v1/openapi.json""#));
        assert!(!PAGE.contains("http://") && !PAGE.contains("https://"));
        assert!(!PAGE.contains("//cdn") && !PAGE.contains("src=\"//"));
        // No inline script: every <script> has a src.
        assert_eq!(PAGE.matches("<script").count(), 1);
        assert!(PAGE.contains(r#"<html lang="zh-CN">"#));
    }

    #[test]
    fn the_bundle_is_the_vendored_redoc_release() {
        let head = std::str::from_utf8(&REDOC_JS[..200]).unwrap();
        assert!(head.contains("redoc.standalone.js.LICENSE.txt"));
        let notices = include_str!("../../static/api-docs/redoc.standalone.js.LICENSE.txt");
        assert!(notices.contains(&format!("Version: \"{}\"", redoc_version!())));
    }

    #[test]
    fn the_docs_policy_is_the_sites_plus_a_blob_worker() {
        let site = crate::server::CONTENT_SECURITY_POLICY;
        assert_eq!(
            DOCS_CONTENT_SECURITY_POLICY.replace(" worker-src 'self' blob:;", ""),
            site
        );
        assert!(DOCS_CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
    }
}
