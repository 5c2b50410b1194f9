//! The ledger columns: header text, width and how each cell is taken from a row.

use super::LedgerRow;
use chrono::NaiveDateTime;

/// One column of an exported ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Seq,
    Code,
    ReportedAt,
    ReporterName,
    ReporterPhone,
    Address,
    Description,
    Category,
    Channel,
    DispatchedAt,
    Assignee,
    Outcome,
    ResolvedAt,
    Status,
    Satisfaction,
    Hours,
}

/// A cell's value, typed so the .xlsx writer can write real numbers and dates.
pub(crate) enum Cell<'a> {
    Int(u64),
    Text(&'a str),
    Date(Option<NaiveDateTime>),
    Number(Option<f64>),
}

impl Column {
    pub(crate) fn header(self) -> &'static str {
        match self {
            Column::Seq => "序号",
            Column::Code => "编号",
            Column::ReportedAt => "反映时间",
            Column::ReporterName => "反映人",
            Column::ReporterPhone => "联系电话",
            Column::Address => "地址",
            Column::Description => "反映事项",
            Column::Category => "类别",
            Column::Channel => "渠道",
            Column::DispatchedAt => "派单时间",
            Column::Assignee => "承办人",
            Column::Outcome => "处置结果",
            Column::ResolvedAt => "办结时间",
            Column::Status => "状态",
            Column::Satisfaction => "回访满意度",
            Column::Hours => "服务时长(小时)",
        }
    }

    /// Column width in Excel character units (a CJK character counts about 2).
    pub(crate) fn width(self) -> f64 {
        match self {
            Column::Seq => 7.0,
            Column::Code => 16.0,
            Column::ReportedAt | Column::DispatchedAt | Column::ResolvedAt => 17.0,
            Column::ReporterName | Column::Assignee => 10.0,
            Column::ReporterPhone => 15.0,
            Column::Address => 18.0,
            Column::Description | Column::Outcome => 42.0,
            Column::Category => 13.0,
            Column::Channel | Column::Status => 10.0,
            Column::Satisfaction => 12.0,
            Column::Hours => 15.0,
        }
    }

    /// Long free text that wraps inside its cell.
    pub(crate) fn wraps(self) -> bool {
        matches!(self, Column::Description | Column::Outcome)
    }

    /// How many lines `text` takes in this column when wrapped, estimating a CJK character
    /// at two width units and anything else at one.
    pub(crate) fn lines(self, text: &str) -> usize {
        let usable = (self.width() as usize).saturating_sub(1).max(1);
        text.split('\n')
            .map(|line| {
                let units: usize = line.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
                units.div_ceil(usable).max(1)
            })
            .sum()
    }

    pub(crate) fn cell(self, row: &LedgerRow) -> Cell<'_> {
        match self {
            Column::Seq => Cell::Int(row.seq),
            Column::Code => Cell::Text(&row.code),
            Column::ReportedAt => Cell::Date(Some(row.reported_at)),
            Column::ReporterName => Cell::Text(&row.reporter_name),
            Column::ReporterPhone => Cell::Text(&row.reporter_phone),
            Column::Address => Cell::Text(&row.address),
            Column::Description => Cell::Text(&row.description),
            Column::Category => Cell::Text(&row.category),
            Column::Channel => Cell::Text(&row.channel),
            Column::DispatchedAt => Cell::Date(row.dispatched_at),
            Column::Assignee => Cell::Text(&row.assignee),
            Column::Outcome => Cell::Text(&row.outcome),
            Column::ResolvedAt => Cell::Date(row.resolved_at),
            Column::Status => Cell::Text(&row.status),
            Column::Satisfaction => Cell::Text(&row.satisfaction),
            Column::Hours => Cell::Number(row.hours),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_are_estimated() {
        assert_eq!(Column::Description.lines(""), 1);
        assert_eq!(Column::Description.lines("楼道灯不亮"), 1);
        // 26 CJK characters are 52 units: two lines of 41.
        assert_eq!(Column::Description.lines(&"水".repeat(26)), 2);
        assert_eq!(Column::Description.lines("第一行\n第二行"), 2);
    }
}
