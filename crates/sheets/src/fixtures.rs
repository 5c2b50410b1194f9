//! Messy hand-kept ledgers for tests, here and in other crates (the CLI's import tests).
//! Not part of the API.

pub mod craft;
mod deflate;
pub mod heap;
pub mod hostile;

use crate::SheetError;
use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use std::path::Path;

/// A hand-kept CSV ledger with a title row, dates in many forms, full-width digits, a blank
/// row, a repeated header, a bad date, a row without a year, a row without a description,
/// a multi-line cell and trailing 合计/备注/制表人 rows. The same text is committed as
/// `crates/sheets/tests/fixtures/messy_ledger.csv`.
pub const MESSY_LEDGER_CSV: &str = include_str!("../tests/fixtures/messy_ledger.csv");

/// Writes a hand-kept .xlsx ledger to `path`: a merged title and an office line above a
/// header with line breaks in its cells, real Excel date cells (one date-only), a phone
/// stored as a number, 类别 merged over rows 4–6 and 7–8, 状态 merged over rows 7–8, a
/// blank row, a date written as `七月三日` (row 10, rejected), a row without a reporter
/// (row 11), a merged 备注 row and a 制表人 row.
pub fn sample_messy_xlsx(path: &Path) -> Result<(), SheetError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("2024年台账")?;
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter);
    let date = cell
        .clone()
        .set_num_format("yyyy\"年\"m\"月\"d\"日\" hh:mm");
    let day = cell.clone().set_num_format("yyyy/m/d");
    let head = cell.clone().set_bold().set_text_wrap();
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);

    sheet.merge_range(0, 0, 0, 9, "流霞里社区接待台账（2024年第三季度）", &title)?;
    sheet.write_string(1, 0, "填报单位：流霞里社区工作站")?;
    let headers = [
        "序号",
        "反映\n时间",
        "反映人",
        "联系电话\n（手机）",
        "地址",
        "反映事项",
        "类别",
        "处置结果",
        "办结时间",
        "状态",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &head)?;
    }

    let at = |d: (i32, u32, u32), t: (u32, u32)| -> NaiveDateTime {
        NaiveDate::from_ymd_opt(d.0, d.1, d.2)
            .and_then(|d| d.and_hms_opt(t.0, t.1, 0))
            .expect("valid fixture date")
    };
    // (row, seq, reported, name, phone, address, description, outcome, resolved)
    type Row<'a> = (
        u32,
        u32,
        NaiveDateTime,
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        Option<NaiveDateTime>,
    );
    let rows: [Row; 5] = [
        (
            3,
            1,
            at((2024, 7, 2), (8, 45)),
            "刘振华",
            "13612345678",
            "3号楼2门301",
            "下水道堵塞返水",
            "疏通",
            Some(at((2024, 7, 2), (15, 0))),
        ),
        (
            4,
            2,
            at((2024, 7, 9), (0, 0)),
            "陈玉兰",
            "022-2628 1234",
            "3号楼2单元402室",
            "卫生间地漏冒水",
            "清掏",
            Some(at((2024, 7, 10), (0, 0))),
        ),
        (
            5,
            3,
            at((2024, 7, 15), (10, 20)),
            "黄志强",
            "13800001111",
            "流霞里5号楼1门",
            "单元门口化粪池满溢",
            "",
            None,
        ),
        (
            6,
            4,
            at((2024, 8, 1), (19, 10)),
            "林秀珍",
            "13511112222",
            "2-3-101",
            "楼道灯不亮",
            "更换声控灯",
            Some(at((2024, 8, 2), (10, 0))),
        ),
        (
            7,
            5,
            at((2024, 8, 5), (9, 0)),
            "何国强",
            "13722223333",
            "2号楼",
            "三楼楼道灯闪烁",
            "更换灯管",
            Some(at((2024, 8, 5), (16, 30))),
        ),
    ];
    for (r, seq, reported, name, phone, address, description, outcome, resolved) in rows {
        sheet.write_number_with_format(r, 0, seq, &cell)?;
        let reported_format = if reported.time() == chrono::NaiveTime::MIN {
            &day
        } else {
            &date
        };
        sheet.write_datetime_with_format(r, 1, reported, reported_format)?;
        sheet.write_string_with_format(r, 2, name, &cell)?;
        match phone.parse::<f64>() {
            // People type mobiles in as numbers.
            Ok(n) => sheet.write_number_with_format(r, 3, n, &cell)?,
            Err(_) => sheet.write_string_with_format(r, 3, phone, &cell)?,
        };
        sheet.write_string_with_format(r, 4, address, &cell)?;
        sheet.write_string_with_format(r, 5, description, &cell)?;
        sheet.write_string_with_format(r, 7, outcome, &cell)?;
        match resolved {
            Some(at) if at.time() == chrono::NaiveTime::MIN => {
                sheet.write_datetime_with_format(r, 8, at, &day)?
            }
            Some(at) => sheet.write_datetime_with_format(r, 8, at, &date)?,
            None => sheet.write_blank(r, 8, &cell)?,
        };
    }
    sheet.merge_range(3, 6, 5, 6, "下水跑冒", &cell)?;
    sheet.merge_range(6, 6, 7, 6, "楼道灯检修", &cell)?;
    sheet.write_string_with_format(3, 9, "已办结", &cell)?;
    sheet.write_string_with_format(4, 9, "已办结", &cell)?;
    sheet.write_string_with_format(5, 9, "长期跟进", &cell)?;
    sheet.merge_range(6, 9, 7, 9, "已办结", &cell)?;

    // Row 9 (index 8) is left blank.
    let late = [
        (
            9,
            "6",
            "七月三日",
            "马桂芳",
            "13633334444",
            "10号楼1门",
            "外墙空调架松动",
            "外墙排险修缮",
        ),
        (
            10,
            "7",
            "",
            "",
            "",
            "9号楼3门",
            "老人家中灯泡需要更换",
            "助老服务",
        ),
    ];
    for (r, seq, when, name, phone, address, description, category) in late {
        for (c, text) in [seq, when, name, phone, address, description, category]
            .iter()
            .enumerate()
        {
            sheet.write_string_with_format(r, c as u16, *text, &cell)?;
        }
    }
    sheet.write_datetime_with_format(10, 1, at((2024, 8, 20), (14, 0)), &date)?;
    sheet.merge_range(
        11,
        0,
        11,
        9,
        "备注：类别、状态栏为合并单元格",
        &Format::new(),
    )?;
    sheet.write_string(12, 0, "制表人：王芳")?;

    workbook.save(path)?;
    Ok(())
}

/// The seed's mid-term figures for 流霞里社区 (143 received, 134 resolved, 9 in long-term
/// follow-up; 22/16/20 entrances), as a report would show them.
pub fn seed_report_data() -> crate::ReportData {
    let s = |t: &str| t.to_string();
    crate::ReportData {
        title: s("流霞里社区“8850工作室”中期工作报告"),
        community: s("红桥区西沽街道流霞里社区"),
        period: s("2024-07-01 至 2024-11-15"),
        counts: vec![
            (s("收集诉求"), 143),
            (s("已办结"), 134),
            (s("长期跟进"), 9),
            (s("未办结"), 0),
            (s("超期"), 0),
        ],
        rates: vec![
            (
                s("响应率"),
                s("98.6%"),
                141,
                143,
                s("在响应时限内有处置动作的诉求数 ÷ 收集诉求数"),
            ),
            (
                s("办结率"),
                s("93.7%"),
                134,
                143,
                s("已办结诉求数 ÷ 收集诉求数"),
            ),
            (
                s("按时办结率"),
                s("91.8%"),
                123,
                134,
                s("在办结时限内办结的诉求数 ÷ 已办结诉求数"),
            ),
            (
                s("满意率"),
                s("97.0%"),
                97,
                100,
                s("（满意 + 基本满意）÷ 已回访评价数"),
            ),
        ],
        by_category: vec![
            (s("下水跑冒"), 31, 29, 22),
            (s("外墙排险修缮"), 19, 16, 16),
            (s("楼道灯检修"), 24, 24, 20),
            (s("水管维修"), 17, 16, 12),
            (s("助老服务"), 28, 27, 0),
            (s("其他"), 24, 22, 0),
        ],
        by_channel: vec![
            (s("来电"), 61, 57),
            (s("来访"), 38, 36),
            (s("网格巡查"), 44, 41),
        ],
        by_grid: vec![
            (s("第一网格"), 52, 49),
            (s("第二网格"), 47, 44),
            (s("第三网格"), 44, 41),
        ],
        monthly: vec![
            (s("2024-07"), 38, 33),
            (s("2024-08"), 41, 40),
            (s("2024-09"), 29, 29),
            (s("2024-10"), 24, 23),
            (s("2024-11"), 11, 9),
        ],
        top_volunteers: vec![
            (s("刘振华"), 23, 41.5, 5),
            (s("陈玉兰"), 19, 36.0, 5),
            (s("黄志强"), 14, 22.5, 4),
        ],
        checkpoint: Some(s(
            "账本校验点 / ledger checkpoint 2024-11-15 18:00 · 指纹 fingerprint 3fa9c01b · Merkle 9e0d4c2a",
        )),
    }
}
