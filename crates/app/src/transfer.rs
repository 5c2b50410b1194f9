//! Ledgers out and in, shared by the pages and the `bangbang` command line: export of
//! 接待台账 / 处置清单 (streamed page by page, oldest first), import of hand-kept ledgers
//! (checked whole, then all or nothing), and the report workbook.

use crate::Error;
use bangbang_domain::{
    category::{Category, CategoryCode},
    lifecycle::{Action, CloseReason, Satisfaction},
    request::{Channel, RequestDraft, Urgency},
    time::{from_ms, local_zone},
    Actor,
};
use bangbang_sheets::{
    detect_header, mapping_override, plan, read_table, Format, ImportOptions, ImportPlan,
    ImportedRow, ImportedStatus, LedgerRow, LedgerWriter, ReportData, View,
};
use bangbang_store::{ImportItem, ImportOutcome, RequestFilter, RequestRecord, Store};
use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn local(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&local_zone()).naive_local()
}

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    local_zone()
        .from_local_datetime(&at)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// `3号楼2门301`, as offices write addresses (the room masked when asked).
pub fn address_of(r: &RequestRecord, masked: bool) -> String {
    let mut text = String::new();
    if let Some(b) = &r.building {
        text.push_str(&format!("{b}号楼"));
    }
    if let Some(e) = &r.entrance {
        text.push_str(&format!("{e}门"));
    }
    if let Some(room) = &r.room {
        text.push_str(&if masked {
            bangbang_domain::access::mask_room(room)
        } else {
            room.clone()
        });
    }
    text
}

/// One request as a ledger row, with the reporter's phone and room masked unless the
/// viewer may see them.
pub fn ledger_row(
    seq: u64,
    r: &RequestRecord,
    categories: &[Category],
    viewer: &Actor,
) -> LedgerRow {
    let s = &r.state;
    let (phone, _, masked) = r.contact_for(viewer);
    LedgerRow {
        seq,
        code: r.code.clone(),
        reported_at: local(r.reported_at),
        reporter_name: r.reporter_name.clone(),
        reporter_phone: phone,
        address: address_of(r, masked),
        description: r.description.clone(),
        category: categories
            .iter()
            .find(|c| c.code == r.category)
            .map(|c| c.name_zh.clone())
            .unwrap_or_else(|| r.category.to_string()),
        channel: r.channel.zh().to_string(),
        dispatched_at: s.first_response_ms.map(|ms| local(from_ms(ms))),
        assignee: r
            .assignee_name
            .clone()
            .or_else(|| s.partner.clone())
            .unwrap_or_default(),
        outcome: s.outcome.clone().unwrap_or_default(),
        resolved_at: s.resolved_ms.map(|ms| local(from_ms(ms))),
        status: s.status.zh().to_string(),
        satisfaction: s
            .satisfaction
            .map(Satisfaction::zh)
            .unwrap_or_default()
            .to_string(),
        hours: s.service_minutes.map(|m| m as f64 / 60.0),
    }
}

/// What an export wrote.
#[derive(Debug)]
pub struct Exported {
    pub rows: u64,
    /// The latest ledger checkpoint, which the rows can be checked against. An xlsx file
    /// names it in its title row; a CSV file has no place for it, so whoever hands the file
    /// on gives it beside the file (a download header, the command's output).
    pub checkpoint: Option<bangbang_store::CheckpointRecord>,
}

/// Requests read from the store per page of an export: the store's largest page, so that a
/// million rows take 200 queries. Two pages in flight hold about 10 MB.
const EXPORT_PAGE: u32 = 5000;

/// What the reading side hands the writing thread.
enum ToWriter {
    Page(Vec<RequestRecord>),
    /// Every row was sent: complete the file. A writer whose channel closes without this
    /// (the store failed, the export was given up) leaves no .xlsx file, and a CSV cut short.
    End,
}

/// Writes every request the filter matches to `path`, oldest first, reading the store a
/// page at a time so memory stays flat however many rows there are.
///
/// The rows are turned into cells and written on a blocking thread, a page behind the
/// reads, so the store reading and decoding the next page and the writer formatting (and,
/// for .xlsx, compressing) the last one overlap instead of taking turns: on a million rows
/// that is the difference between the sum of the two and the larger of them.
pub async fn export_ledger(
    store: &dyn Store,
    viewer: &Actor,
    mut filter: RequestFilter,
    view: View,
    format: Format,
    path: &Path,
    title: &str,
) -> Result<Exported, Error> {
    let categories = store.categories().await?;
    // The title names the ledger checkpoint the rows can be checked against, if any.
    let checkpoint = store.latest_checkpoint().await?;
    let title = match &checkpoint {
        Some(checkpoint) => format!("{title}　{}", crate::report::checkpoint_line(checkpoint)),
        None => title.to_string(),
    };
    let (pages, inbox) = tokio::sync::mpsc::channel::<ToWriter>(1);
    let abandoned = Abandoned::default();
    let writing = {
        let (path, viewer, abandoned) = (path.to_path_buf(), viewer.clone(), abandoned.flag());
        tokio::task::spawn_blocking(move || {
            write_pages(
                inbox,
                &path,
                view,
                format,
                &title,
                &categories,
                &viewer,
                &abandoned,
            )
        })
    };
    filter.ascending = true;
    filter.limit = EXPORT_PAGE;
    filter.cursor = None;
    let read = async {
        loop {
            let page = store.list_requests(&filter).await?;
            // Reading personal data is logged, exports included.
            store.log_shown(viewer, &page.items).await?;
            if pages.send(ToWriter::Page(page.items)).await.is_err() {
                // The writer stopped on an error: it is reported below.
                return Ok(());
            }
            match page.next {
                Some(next) => filter.cursor = Some(next),
                None => break,
            }
        }
        let _ = pages.send(ToWriter::End).await;
        Ok::<(), Error>(())
    };
    let read = read.await;
    drop(pages);
    let written = writing
        .await
        .map_err(|e| Error::Internal(format!("writing {}: {e}", path.display())))?;
    abandoned.disarm();
    read?;
    let rows = written.map_err(|e| Error::Internal(format!("writing {}: {e}", path.display())))?;
    Ok(Exported { rows, checkpoint })
}

/// The writing half of [`export_ledger`], on its own thread.
#[allow(clippy::too_many_arguments)]
fn write_pages(
    mut inbox: tokio::sync::mpsc::Receiver<ToWriter>,
    path: &Path,
    view: View,
    format: Format,
    title: &str,
    categories: &[Category],
    viewer: &Actor,
    abandoned: &AtomicBool,
) -> Result<u64, bangbang_sheets::SheetError> {
    let mut writer = LedgerWriter::create(path, view, format, title)?;
    let mut seq = 0;
    while let Some(message) = inbox.blocking_recv() {
        match message {
            ToWriter::Page(records) => {
                for r in &records {
                    seq += 1;
                    writer.push(&ledger_row(seq, r, categories, viewer))?;
                }
            }
            ToWriter::End => {
                let rows = writer.finish()?;
                // An export given up while the file was being completed (a download whose
                // client left) must not leave the file behind: its owner has already
                // cleared up.
                if abandoned.load(Ordering::Acquire) {
                    let _ = std::fs::remove_file(path);
                }
                return Ok(rows);
            }
        }
    }
    // The reading side stopped without `End`: its error is the one reported. A CSV cut
    // short by an export given up is removed, like the .xlsx that never was.
    drop(writer);
    if abandoned.load(Ordering::Acquire) {
        let _ = std::fs::remove_file(path);
    }
    Ok(seq)
}

/// Set when [`export_ledger`] is dropped before its writer answered, so that a file
/// completed after that is removed rather than left for nobody.
#[derive(Default)]
struct Abandoned {
    flag: Arc<AtomicBool>,
    disarmed: bool,
}

impl Abandoned {
    fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }

    fn disarm(mut self) {
        self.disarmed = true;
    }
}

impl Drop for Abandoned {
    fn drop(&mut self) {
        if !self.disarmed {
            self.flag.store(true, Ordering::Release);
        }
    }
}

/// What an import did, or would do.
pub struct ImportRun {
    pub plan: ImportPlan,
    /// `None` for a dry run.
    pub outcome: Option<ImportOutcome>,
}

/// Reads a ledger file and works out what it holds.
pub async fn plan_file(
    store: &dyn Store,
    bytes: &[u8],
    file_name: &str,
    mapping: Option<&str>,
    year: Option<i32>,
) -> Result<ImportPlan, Error> {
    // Parsing a workbook is heavy: keep it off the async workers.
    let (owned, name) = (bytes.to_vec(), file_name.to_string());
    let table = tokio::task::spawn_blocking(move || read_table(&owned, &name))
        .await
        .map_err(|e| Error::Internal(format!("reading the file: {e}")))?
        .map_err(|e| Error::invalid("file", e.to_string()))?;
    let (header_row, detected) = detect_header(&table).ok_or_else(|| {
        Error::invalid(
            "file",
            "找不到表头（反映时间、反映人、反映事项等）/ cannot find the header row: name the columns with a mapping",
        )
    })?;
    let mapping = match mapping.filter(|m| !m.trim().is_empty()) {
        Some(spec) => mapping_override(detected, spec)
            .map_err(|e| Error::invalid("mapping", e.to_string()))?,
        None => detected,
    };
    let categories = store
        .categories()
        .await?
        .into_iter()
        .map(|c| (c.code.into(), c.name_zh))
        .collect();
    Ok(plan(
        &table,
        &mapping,
        header_row,
        &ImportOptions { year, categories },
    ))
}

/// The request a row becomes, with the steps that bring it to the state the sheet says.
pub fn import_item(row: &ImportedRow, community: &str) -> ImportItem {
    let reported_at = utc(row.reported_at);
    let after = reported_at + Duration::hours(1);
    let steps = match row.target {
        ImportedStatus::Submitted => Vec::new(),
        ImportedStatus::Resolved => {
            let at = row
                .resolved_at
                .map(utc)
                .filter(|t| *t >= reported_at)
                .unwrap_or(after);
            let outcome = row
                .outcome
                .clone()
                .filter(|o| !o.trim().is_empty())
                .unwrap_or_else(|| "已办结（导入）".into());
            vec![(
                at,
                Action::Resolve {
                    outcome,
                    minutes: 0,
                },
            )]
        }
        ImportedStatus::LongTerm => vec![(
            after,
            Action::FollowUp {
                note: row
                    .outcome
                    .clone()
                    .unwrap_or_else(|| "导入时为长期跟进".into()),
                next_at: reported_at + Duration::days(30),
            },
        )],
        ImportedStatus::Closed => vec![(
            after,
            Action::Close {
                reason: CloseReason::Withdrawn,
                duplicate_of: None,
                note: "导入时已关闭".into(),
            },
        )],
    };
    ImportItem {
        draft: RequestDraft {
            community: community.to_string(),
            channel: row.channel.unwrap_or(Channel::Import),
            // The plan maps every row to one of the deployment's codes, or `other`.
            category: CategoryCode::parse(&row.category).unwrap_or_else(CategoryCode::other),
            urgency: Urgency::Normal,
            reporter_name: row.reporter_name.clone(),
            reporter_phone: row.reporter_phone.clone(),
            building: row.building.clone(),
            entrance: row.entrance.clone(),
            room: row.room.clone(),
            description: row.description.clone(),
            reported_at,
            photos: Vec::new(),
        },
        external_key: row.key.clone(),
        steps,
    }
}

/// How strict an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Plan only; write nothing.
    DryRun,
    /// Nothing unless every row can be imported.
    Strict,
    /// Import the rows that can be (still all in one transaction) and report the rest.
    SkipBadRows,
}

/// Imports a ledger file into a community, all in one transaction; rows imported before
/// are skipped, so importing the same file twice adds nothing.
#[allow(clippy::too_many_arguments)]
pub async fn import_file(
    store: &dyn Store,
    actor: &Actor,
    community: &str,
    bytes: &[u8],
    file_name: &str,
    mapping: Option<&str>,
    year: Option<i32>,
    mode: Mode,
) -> Result<ImportRun, Error> {
    let mut plan = plan_file(store, bytes, file_name, mapping, year).await?;
    // Rows the sheet reads fine may still name a building or category this community does
    // not have: ask the store, and report those rows like any other.
    let items: Vec<ImportItem> = plan
        .rows
        .iter()
        .map(|row| import_item(row, community))
        .collect();
    let problems = store.check_import(actor, &items).await?;
    let mut bad: std::collections::BTreeMap<usize, Vec<String>> = std::collections::BTreeMap::new();
    for (field, problem) in problems.problems() {
        let parsed = field
            .strip_prefix("item ")
            .and_then(|rest| rest.split_once(':'))
            .and_then(|(n, f)| n.parse::<usize>().ok().map(|n| (n, f.trim().to_string())));
        if let Some((n, f)) = parsed {
            bad.entry(n - 1)
                .or_default()
                .push(format!("{} / {f}: {}", problem.zh(), problem.en()));
        }
    }
    let mut keep = Vec::new();
    for (i, (row, item)) in plan.rows.drain(..).zip(items).enumerate() {
        match bad.remove(&i) {
            Some(reasons) => plan.rejected.push(bangbang_sheets::Rejected {
                row_number: row.row_number,
                reason: reasons.join("；"),
            }),
            None => keep.push((row, item)),
        }
    }
    plan.rejected.sort_by_key(|r| r.row_number);
    let (rows, items): (Vec<ImportedRow>, Vec<ImportItem>) = keep.into_iter().unzip();
    plan.rows = rows;
    if mode == Mode::DryRun {
        return Ok(ImportRun {
            plan,
            outcome: None,
        });
    }
    if mode == Mode::Strict && !plan.rejected.is_empty() {
        return Err(Error::invalid(
            "file",
            format!(
                "{} 行无法导入，整个文件未导入；请先用预览查看原因 / {} rows cannot be imported, so nothing was: see the dry run",
                plan.rejected.len(),
                plan.rejected.len()
            ),
        ));
    }
    let outcome = store.import_requests(actor, items).await?;
    Ok(ImportRun {
        plan,
        outcome: Some(outcome),
    })
}

/// Writes the report workbook.
pub fn write_report_xlsx(data: &ReportData, path: &Path) -> Result<(), Error> {
    bangbang_sheets::write_report(path, data)
        .map_err(|e| Error::Internal(format!("writing the report: {e}")))
}
