//! bangbang's use cases, shared by the web layer and the `bangbang` command line: ledgers
//! out and in ([`transfer`]), the mid-term report ([`report`]) and credentials
//! ([`credentials`]). Each takes the store as `&dyn Store` and an actor; none knows about
//! HTTP or the terminal, and both front ends call the same functions.

pub mod credentials;
mod error;
pub mod report;
pub mod transfer;

pub use error::Error;
