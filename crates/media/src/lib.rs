//! Media for bangbang's pages: photos, charts and QR codes. Pure functions over bytes and
//! strings, plus a small content-addressed photo folder.

#![warn(missing_docs)]

pub mod charts;
#[doc(hidden)]
pub mod fixtures;
pub mod photos;
pub mod qr;
