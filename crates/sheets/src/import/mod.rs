//! Importing hand-kept ledgers.
//!
//! 1. [`read_table`] turns an .xlsx/.xls/.csv file into rows of text, refusing a file
//!    bigger than the [`ImportLimits`] before building anything from it;
//! 2. [`detect_header`] finds the header row and which column holds which [`Field`]
//!    ([`mapping_override`] lets the user correct it);
//! 3. [`plan`] reads every row below the header into an [`ImportPlan`]: the rows to create,
//!    the rows rejected (with a reason in Chinese and English) and the rows skipped (blank
//!    rows, repeated headers, 合计/备注/制表人 rows).
//!
//! Nothing is written anywhere: the caller shows the plan, then creates the requests,
//! using [`ImportedRow::key`] to make a second import of the same file a no-op.

mod address;
mod biff;
mod cells;
pub(crate) mod cfb;
mod checks;
mod dates;
mod fields;
mod header;
mod limits;
mod plan;
mod table;
mod text;
mod vocab;
mod workbook;
mod xls_scan;
mod xlsx_scan;

pub use header::{detect_header, mapping_override, Field, Mapping};
pub use limits::{ImportLimits, Limit, HEADER_ROWS};
pub use plan::{plan, Planned, Planner, UNNAMED};
pub use table::{read_table, read_table_with};

use bangbang_domain::category::default_categories;
use bangbang_domain::{Channel, Status};
use chrono::NaiveDateTime;

/// What the importer needs to know that the sheet does not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// The year for dates written without one (`7月3日`, `7/3`). Without it such rows are
    /// rejected.
    pub year: Option<i32>,
    /// The deployment's categories as (code, Chinese name).
    pub categories: Vec<(String, String)>,
}

impl Default for ImportOptions {
    /// No year, and the default category list of `bangbang_domain`.
    fn default() -> Self {
        ImportOptions {
            year: None,
            categories: default_categories()
                .into_iter()
                .map(|c| (c.code.into(), c.name_zh))
                .collect(),
        }
    }
}

/// The state an imported request should end in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportedStatus {
    /// Still open: 待派单.
    Submitted,
    /// 已办结.
    Resolved,
    /// 长期跟进.
    LongTerm,
    /// 已撤回 / 撤销 / 重复: closed without being resolved.
    Closed,
}

impl ImportedStatus {
    /// The lifecycle state this corresponds to.
    pub fn status(self) -> Status {
        match self {
            ImportedStatus::Submitted => Status::Submitted,
            ImportedStatus::Resolved => Status::Resolved,
            ImportedStatus::LongTerm => Status::LongTerm,
            ImportedStatus::Closed => Status::Closed,
        }
    }
}

/// One ledger row, read and checked, ready to become a request.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedRow {
    /// 1-based row number in the sheet as the user sees it (CSV: the record number).
    pub row_number: usize,
    /// Idempotency key: hex SHA-256 over the normalised identity of the request (反映时间,
    /// 反映人, 联系电话, 地址, 反映事项). The same file read twice gives the same keys, and
    /// so does a later copy of the ledger in which only 处置结果/状态 changed. A second
    /// row with the same identity in one file gets its own key (and a note).
    pub key: String,
    /// 反映时间, local time; a date without a time is taken as 09:00.
    pub reported_at: NaiveDateTime,
    /// 反映人, or `（未登记）` (with a note) when the cell is blank.
    pub reporter_name: String,
    /// The phone, normalised (`13812345678`, `022-26281234`), or empty.
    pub reporter_phone: String,
    /// Building number, e.g. `3`.
    pub building: Option<String>,
    /// Entrance number, e.g. `2`.
    pub entrance: Option<String>,
    /// Room, e.g. `301`.
    pub room: Option<String>,
    /// The address as written, cleaned of full-width digits and extra spaces.
    pub address_text: String,
    /// 反映事项.
    pub description: String,
    /// A category code from the options; `other` (with a note) when blank or unknown.
    pub category: String,
    /// 渠道, when the sheet has the column and the cell was understood.
    pub channel: Option<Channel>,
    /// 处置结果.
    pub outcome: Option<String>,
    /// 办结时间, local time.
    pub resolved_at: Option<NaiveDateTime>,
    /// The state the request should end in.
    pub target: ImportedStatus,
    /// Warnings, each `中文 / English`, that did not stop the row.
    pub notes: Vec<String>,
}

/// A row that cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// 1-based row number as the user sees it.
    pub row_number: usize,
    /// Why, in Chinese and English: `反映时间无法识别 / cannot read the date '2024-13-45'`.
    pub reason: String,
}

/// What an import would do.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportPlan {
    /// 0-based index of the header row in the table (the sheet row is one more).
    pub header_row: usize,
    /// The column mapping used.
    pub mapping: Mapping,
    /// Rows to create, in sheet order.
    pub rows: Vec<ImportedRow>,
    /// Rows that cannot be imported, with why.
    pub rejected: Vec<Rejected>,
    /// Rows left out on purpose: (1-based row number, why).
    pub skipped: Vec<(usize, String)>,
}
