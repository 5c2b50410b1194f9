//! Ledgers out and in, shared by the pages and the `bangbang` command line: export of
//! 接待台账 / 处置清单 (one query streamed, oldest first), import of hand-kept ledgers
//! (planned, checked and written a chunk of rows at a time), and the report workbook.

use crate::Error;
use bangbang_domain::{
    category::{Category, CategoryCode},
    lifecycle::{Action, CloseReason, Satisfaction},
    request::{Channel, RequestDraft, Urgency},
    time::{from_ms, local_zone},
    Actor,
};
use bangbang_sheets::{
    detect_header, mapping_override, read_table, Format, ImportOptions, ImportPlan, ImportedRow,
    ImportedStatus, LedgerRow, LedgerWriter, Mapping, Planned, Planner, ReportData, View,
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

/// Requests handed from the store's stream to the writer at a time: a batch being read,
/// one being logged, one waiting for the writer and one being written hold a few MB.
const EXPORT_PAGE: usize = 2000;

/// What the reading side hands the writing thread.
enum ToWriter {
    Page(Vec<RequestRecord>),
    /// Every row was sent: complete the file. A writer whose channel closes without this
    /// (the store failed, the export was given up) leaves no .xlsx file, and a CSV cut short.
    End,
}

/// Writes every request the filter matches to `path`, oldest first, from one query the
/// store streams in batches (with only the columns the ledger shows), so memory stays flat
/// however many rows there are.
///
/// The rows are turned into cells and written on a blocking thread, a batch behind the
/// reads, so the store reading and decoding the next batch and the writer formatting (and,
/// for .xlsx, compressing) the last one overlap instead of taking turns: on a million rows
/// that is the difference between the sum of the two and the larger of them.
pub async fn export_ledger(
    store: &dyn Store,
    viewer: &Actor,
    filter: RequestFilter,
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
    // The store streams one query into `batches`; each batch is logged, then handed on.
    let (batches, mut inbox) = tokio::sync::mpsc::channel::<Vec<RequestRecord>>(1);
    let stream = async {
        let streamed = store.export_requests(&filter, EXPORT_PAGE, batches).await;
        Ok::<(), Error>(streamed?)
    };
    let pages_out = &pages;
    // Owns `inbox`: when it ends early (an error, a writer gone), the store hears nobody
    // listens any more and stops.
    let forward = async move {
        while let Some(batch) = inbox.recv().await {
            // Reading personal data is logged, exports included.
            store.log_shown(viewer, &batch).await?;
            if pages_out.send(ToWriter::Page(batch)).await.is_err() {
                // The writer stopped on an error: it is reported below.
                return Ok(false);
            }
        }
        Ok::<bool, Error>(true)
    };
    let read = async {
        let (streamed, forwarded) = tokio::join!(stream, forward);
        streamed?;
        // The file is completed only when every row was read and handed on.
        if forwarded? {
            let _ = pages.send(ToWriter::End).await;
        }
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
    /// The rows to import are kept only when asked for ([`Rows::Kept`]); the rows rejected
    /// and skipped always are.
    pub plan: ImportPlan,
    /// How many rows can be imported (`plan.rows.len()` when the rows are kept).
    pub importable: usize,
    /// `None` for a dry run.
    pub outcome: Option<ImportOutcome>,
}

/// Whether an import hands back the rows it read, for a preview that lists them, or only
/// counts them, so that its memory does not grow with the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    Kept,
    Counted,
}

/// Rows of the sheet planned, checked and imported at a time, each chunk in one transaction
/// of the store: a few MB, and a wait of about 2 s for the community's other writers.
pub const IMPORT_CHUNK: usize = 2000;

/// A ledger file read into a table, with its header found and its columns mapped.
struct Sheet {
    table: Vec<Vec<String>>,
    header_row: usize,
    mapping: Mapping,
    options: ImportOptions,
}

/// Reads the file into a table of text; the bytes are let go as soon as it is read.
async fn read_sheet(
    store: &dyn Store,
    bytes: Vec<u8>,
    file_name: &str,
    mapping: Option<&str>,
    year: Option<i32>,
) -> Result<Sheet, Error> {
    // Parsing a workbook is heavy: keep it off the async workers.
    let name = file_name.to_string();
    let table = tokio::task::spawn_blocking(move || read_table(&bytes, &name))
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
    Ok(Sheet {
        table,
        header_row,
        mapping,
        options: ImportOptions { year, categories },
    })
}

/// Reads a ledger file and works out what it holds.
pub async fn plan_file(
    store: &dyn Store,
    bytes: &[u8],
    file_name: &str,
    mapping: Option<&str>,
    year: Option<i32>,
) -> Result<ImportPlan, Error> {
    let sheet = read_sheet(store, bytes.to_vec(), file_name, mapping, year).await?;
    Ok(bangbang_sheets::plan(
        &sheet.table,
        &sheet.mapping,
        sheet.header_row,
        &sheet.options,
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
    /// Nothing unless every row can be imported: the whole file is planned and checked
    /// before the first row is written.
    Strict,
    /// Import the rows that can be and report the rest.
    SkipBadRows,
}

/// Imports a ledger file into a community, keeping the rows read for a preview; see
/// [`import_file_with`].
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
    import_file_with(
        store,
        actor,
        community,
        bytes.to_vec(),
        file_name,
        mapping,
        year,
        mode,
        Rows::Kept,
    )
    .await
}

/// Imports a ledger file into a community. Rows imported before are skipped (each row has
/// a key), so importing the same file twice adds nothing.
///
/// The sheet is planned, checked against the community and written [`IMPORT_CHUNK`] rows
/// at a time, each chunk in a transaction of its own, so that memory does not grow with
/// the file beyond its table of text and other writers wait for one chunk, not the file.
/// A strict import plans and checks every row before it writes any. Should the store
/// fail part way (the database gone, a building deleted meanwhile), the chunks before are
/// kept and the error says how many requests went in: importing the file again adds only
/// the rest.
#[allow(clippy::too_many_arguments)]
pub async fn import_file_with(
    store: &dyn Store,
    actor: &Actor,
    community: &str,
    bytes: Vec<u8>,
    file_name: &str,
    mapping: Option<&str>,
    year: Option<i32>,
    mode: Mode,
    rows: Rows,
) -> Result<ImportRun, Error> {
    let mut sheet = read_sheet(store, bytes, file_name, mapping, year).await?;
    import_sheet(
        store,
        actor,
        community,
        &mut sheet,
        mode,
        rows,
        IMPORT_CHUNK,
    )
    .await
}

/// [`import_file_with`] on a sheet already read, `chunk` rows at a time. The table's rows
/// are let go as they are planned for writing (in a strict import, on its second walk).
async fn import_sheet(
    store: &dyn Store,
    actor: &Actor,
    community: &str,
    sheet: &mut Sheet,
    mode: Mode,
    rows: Rows,
    chunk: usize,
) -> Result<ImportRun, Error> {
    match mode {
        Mode::DryRun | Mode::SkipBadRows => {
            walk_sheet(store, actor, community, sheet, mode, rows, chunk).await
        }
        Mode::Strict => {
            let checked = walk_sheet(
                store,
                actor,
                community,
                sheet,
                Mode::DryRun,
                Rows::Counted,
                chunk,
            )
            .await?;
            if !checked.plan.rejected.is_empty() {
                return Err(Error::invalid(
                    "file",
                    format!(
                        "{} 行无法导入，整个文件未导入；请先用预览查看原因 / {} rows cannot be imported, so nothing was: see the dry run",
                        checked.plan.rejected.len(),
                        checked.plan.rejected.len()
                    ),
                ));
            }
            walk_sheet(store, actor, community, sheet, mode, rows, chunk).await
        }
    }
}

/// Plans, checks and (unless a dry run) imports every row of the sheet, a chunk at a
/// time. A strict walk stops at the first row refused (the file was checked whole just
/// before, so only a change made meanwhile can refuse one). A walk that writes lets each
/// row of the table go once it is planned.
async fn walk_sheet(
    store: &dyn Store,
    actor: &Actor,
    community: &str,
    sheet: &mut Sheet,
    mode: Mode,
    keep: Rows,
    chunk_rows: usize,
) -> Result<ImportRun, Error> {
    let write = mode != Mode::DryRun;
    let mut run = ImportRun {
        plan: ImportPlan {
            header_row: sheet.header_row,
            mapping: sheet.mapping.clone(),
            rows: Vec::new(),
            rejected: Vec::new(),
            skipped: Vec::new(),
        },
        importable: 0,
        outcome: write.then(ImportOutcome::default),
    };
    let mut planner = Planner::new(
        &sheet.table,
        &sheet.mapping,
        sheet.header_row,
        &sheet.options,
    );
    let mut chunk: Vec<ImportedRow> = Vec::with_capacity(chunk_rows);
    let mut next = sheet.header_row + 1;
    while next < sheet.table.len() {
        let end = (next + chunk_rows).min(sheet.table.len());
        for index in next..end {
            let planned = planner.row(index, &sheet.table[index]);
            if write {
                sheet.table[index] = Vec::new();
            }
            match planned {
                Planned::Import(imported) => chunk.push(*imported),
                Planned::Rejected(rejected) => run.plan.rejected.push(rejected),
                Planned::Skipped(n, why) => run.plan.skipped.push((n, why)),
            }
        }
        next = end;
        if chunk.is_empty() {
            continue;
        }
        // Rows the sheet reads fine may still name a building or category this community
        // does not have: ask the store, and report those rows like any other.
        let items: Vec<ImportItem> = chunk.iter().map(|r| import_item(r, community)).collect();
        let problems = store.check_import(actor, &items).await?;
        let mut bad = refusals(&problems);
        let mut good = Vec::with_capacity(items.len());
        for (i, (row, item)) in chunk.drain(..).zip(items).enumerate() {
            match bad.remove(&i) {
                Some(reasons) => run.plan.rejected.push(bangbang_sheets::Rejected {
                    row_number: row.row_number,
                    reason: reasons.join("；"),
                }),
                None => {
                    run.importable += 1;
                    good.push(item);
                    if keep == Rows::Kept {
                        run.plan.rows.push(row);
                    }
                }
            }
        }
        let Some(outcome) = run.outcome.as_mut() else {
            continue;
        };
        let written = outcome.created + outcome.already_there;
        let result = match run.plan.rejected.first() {
            Some(refused) if mode == Mode::Strict => Err(Error::invalid(
                "file",
                format!(
                    "第{n}行在检查后变得无法导入 / row {n} cannot be imported any more: {}",
                    refused.reason,
                    n = refused.row_number
                ),
            )),
            _ if good.is_empty() => continue,
            _ => store
                .import_requests(actor, good)
                .await
                .map_err(Error::from),
        };
        match result {
            Ok(chunk) => {
                outcome.created += chunk.created;
                outcome.already_there += chunk.already_there;
            }
            // Nothing was written: the error is the whole story.
            Err(e) if written == 0 => return Err(e),
            Err(e) => {
                return Err(Error::Internal(format!(
                    "{} requests were imported ({} were already there) before the import stopped: {e}; importing the same file again adds only the rest",
                    outcome.created, outcome.already_there
                )))
            }
        }
    }
    run.plan.rejected.sort_by_key(|r| r.row_number);
    Ok(run)
}

/// The store's problems with a chunk's items (`item N: field`, 1-based), as reasons per
/// item (0-based).
fn refusals(
    problems: &bangbang_domain::validation::FieldErrors,
) -> std::collections::BTreeMap<usize, Vec<String>> {
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
    bad
}

/// Writes the report workbook.
pub fn write_report_xlsx(data: &ReportData, path: &Path) -> Result<(), Error> {
    bangbang_sheets::write_report(path, data)
        .map_err(|e| Error::Internal(format!("writing the report: {e}")))
}

#[cfg(test)]
#[path = "transfer_tests.rs"]
mod tests;
