//! What an operator can tune about the web server's defences. One value, built from the
//! settings by `bangbang serve` and from [`WebConfig::default`] by the tests, and carried in
//! [`crate::AppState`]. Every counter these limits need lives in the database, so two
//! instances behind one load balancer enforce them together.

use std::time::Duration;

/// The web server's limits and throttles.
#[derive(Debug, Clone)]
pub struct WebConfig {
    // --- Connections and requests (served by `bangbang serve`) ---
    /// A client must finish sending a request's headers within this time.
    pub header_read_timeout: Duration,
    /// A whole request (body read, handler, answer) must finish within this time.
    pub request_timeout: Duration,
    /// Imports and report downloads may take longer than ordinary requests.
    pub slow_request_timeout: Duration,
    /// At most this many photo uploads are decoded at once; the rest wait (then get 503).
    pub max_concurrent_image_decodes: usize,
    /// At most this many spreadsheet imports are read at once (each may take ~60 MB and a
    /// second of work); the rest wait a while, then get 503.
    pub max_concurrent_imports: usize,

    // --- Throttles (counted in the database) ---
    /// Wrong passwords for one account within `sign_in_window` before it is locked.
    pub sign_in_failures_per_account: u32,
    /// Wrong passwords from one client address within `sign_in_window` before it is locked.
    pub sign_in_failures_per_address: u32,
    /// The window for sign-in failures, and how long a lockout lasts.
    pub sign_in_window: Duration,
    /// Anonymous requests filed through the public ask form per client address per hour.
    pub ask_per_address_per_hour: u32,
    /// Rating attempts per client address per hour on the public tracking pages.
    pub rate_per_address_per_hour: u32,
    /// Tracking codes that open nothing, per client address per hour, before the
    /// tracking pages refuse that address for the rest of the hour.
    pub track_misses_per_address_per_hour: u32,
    /// Take the client address from the last hop of `X-Forwarded-For` (set this only
    /// behind a reverse proxy that sets the header).
    pub trust_forwarded_for: bool,

    // --- Links printed on paper ---
    /// The address residents reach the site at, like `https://bangbang.example.org` (no
    /// trailing slash): the QR poster points there. When unset, the poster uses the Host
    /// header of whoever prints it.
    pub public_url: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            slow_request_timeout: Duration::from_secs(120),
            max_concurrent_image_decodes: 2,
            max_concurrent_imports: 1,
            sign_in_failures_per_account: 5,
            sign_in_failures_per_address: 20,
            sign_in_window: Duration::from_secs(15 * 60),
            ask_per_address_per_hour: 20,
            rate_per_address_per_hour: 20,
            track_misses_per_address_per_hour: 30,
            trust_forwarded_for: false,
            public_url: None,
        }
    }
}
