//! The one error type of the crate.

/// Everything that can go wrong while writing or reading a spreadsheet.
///
/// Problems with single rows of an import are not errors: they end up in
/// [`crate::ImportPlan::rejected`] or in a row's notes.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// Reading or writing a file failed.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// rust_xlsxwriter refused a write or could not save the workbook.
    #[error("cannot write the .xlsx file: {0}")]
    XlsxWrite(#[from] rust_xlsxwriter::XlsxError),
    /// calamine could not read the workbook.
    #[error("cannot read the workbook: {0}")]
    WorkbookRead(#[from] calamine::Error),
    /// The csv crate could not read or write a record.
    #[error("CSV error: {0}")]
    Csv(#[from] csv::Error),
    /// The file is neither .xlsx, .xls nor .csv.
    #[error("不支持的文件类型 / unsupported file '{file_name}': use .xlsx, .xls or .csv")]
    UnsupportedFile {
        /// The name the file was given.
        file_name: String,
    },
    /// The workbook has no sheet with any content.
    #[error("表格是空的 / the workbook has no sheet with any content")]
    EmptyWorkbook,
    /// An .xlsx sheet holds at most 1,048,576 rows.
    #[error("超出Excel行数上限 / an .xlsx sheet holds at most {limit} data rows here; export a shorter period or use CSV")]
    TooManyRows {
        /// How many data rows fit below the title and header.
        limit: u64,
    },
    /// The file is bigger than an import takes ([`crate::ImportLimits`]); reading stopped
    /// at the limit, before anything was built from the rest.
    #[error("{}", limit.message(*max))]
    TooLarge {
        /// Which limit was passed.
        limit: crate::Limit,
        /// The limit's value (bytes, rows, columns or cells, as the limit says).
        max: u64,
    },
    /// The file's structure is broken in a way that would make the reader loop, run out
    /// of memory or crash, so it was not read.
    #[error("文件已损坏，无法读取 / the file is damaged: {0}")]
    Damaged(String),
    /// A column mapping given by the user could not be understood.
    #[error("列对应关系有误 / bad column mapping: {0}")]
    Mapping(String),
}
