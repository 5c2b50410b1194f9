//! Spreadsheets for bangbang: ledgers out and in.
//!
//! - [`export`] streams the 接待台账 (intake) and 处置清单 (disposal) views to `.xlsx`
//!   (rust_xlsxwriter in constant-memory mode) or to `.csv` (UTF-8 with a BOM), one row at a
//!   time, so a million-row export keeps memory flat.
//! - [`import`] reads a hand-kept `.xlsx`/`.xls`/`.csv` ledger into a table of text, finds
//!   its header row, and turns it into an [`import::ImportPlan`]: rows to create, rows
//!   rejected with a reason in Chinese and English, and rows skipped with why.
//! - [`report`] writes the one-page mid-term report workbook with native Excel charts.
//!
//! The crate does no database or HTTP work: callers hand it rows and get rows back.

#![warn(missing_docs)]

pub mod export;
#[doc(hidden)]
pub mod fixtures;
pub mod import;
pub mod report;

mod error;

pub use error::SheetError;
pub use export::{headers, Format, LedgerRow, LedgerWriter, View};
pub use import::{
    detect_header, mapping_override, plan, read_table, read_table_with, Field, ImportLimits,
    ImportOptions, ImportPlan, ImportedRow, ImportedStatus, Limit, Mapping, Planned, Planner,
    Rejected,
};
pub use report::{write_report, ReportData};
