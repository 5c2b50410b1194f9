//! `bangbang export`, `bangbang import` and `bangbang report`: ledgers and the mid-term
//! report as files, for the office's Excel and its superiors.

use anyhow::{bail, Context};
use bangbang_app::report::{gather, report_data, ReportQuery};
use bangbang_app::transfer::{export_ledger, import_file_with, write_report_xlsx, Mode, Rows};
use bangbang_domain::{
    category::CategoryCode,
    lifecycle::Status,
    request::Channel,
    time::{parse_date, Period},
    Actor,
};
use bangbang_sheets::{Format, View};
use bangbang_store::{RequestFilter, SqlStore, Store};
use bangbang_web::pages::report::report_html;
use std::path::PathBuf;
use std::process::ExitCode;

/// The command line acts with the whole database in reach, and no account.
pub fn operator() -> Actor {
    Actor::operator()
}

fn app_error(e: bangbang_app::Error) -> anyhow::Error {
    match e {
        bangbang_app::Error::Invalid(fields) => anyhow::anyhow!(
            "{}",
            fields
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n  ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The community (slug); all communities when left out.
    #[arg(long)]
    community: Option<String>,
    /// First day, e.g. 2024-07-01.
    #[arg(long)]
    from: Option<String>,
    /// Last day (included), e.g. 2024-11-15.
    #[arg(long)]
    to: Option<String>,
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    category: Option<String>,
    #[arg(long)]
    channel: Option<String>,
    /// intake (接待台账), disposal (处置清单) or both (one sheet).
    #[arg(long, default_value = "both")]
    view: String,
    /// xlsx or csv; by default from the file name.
    #[arg(long)]
    format: Option<String>,
    /// Where to write.
    #[arg(long, short)]
    out: PathBuf,
}

fn period(from: Option<&str>, to: Option<&str>) -> anyhow::Result<(Option<i64>, Option<i64>)> {
    let date = |text: Option<&str>, name: &str| -> anyhow::Result<Option<chrono::NaiveDate>> {
        match text {
            None => Ok(None),
            Some(t) => parse_date(t)
                .map(Some)
                .with_context(|| format!("--{name} must be a date like 2024-07-01, not {t:?}")),
        }
    };
    let p = Period {
        from: date(from, "from")?,
        to: date(to, "to")?,
    };
    let (start, end) = p.bounds_ms();
    Ok((p.from.map(|_| start), p.to.map(|_| end)))
}

pub async fn export(store: &SqlStore, args: ExportArgs) -> anyhow::Result<()> {
    let community_id = match &args.community {
        Some(slug) => Some(
            store
                .community(slug)
                .await
                .with_context(|| format!("no community {slug:?}"))?
                .id,
        ),
        None => None,
    };
    let (from_ms, to_ms) = period(args.from.as_deref(), args.to.as_deref())?;
    let status = args
        .status
        .as_deref()
        .map(|s| Status::parse(s).with_context(|| format!("unknown status {s:?}")))
        .transpose()?;
    let channel = args
        .channel
        .as_deref()
        .map(|c| Channel::parse(c).with_context(|| format!("unknown channel {c:?}")))
        .transpose()?;
    let category = args
        .category
        .as_deref()
        .map(|c| CategoryCode::parse(c.trim()).with_context(|| format!("unknown category {c:?}")))
        .transpose()?;
    let view = match args.view.as_str() {
        "intake" => View::Intake,
        "disposal" => View::Disposal,
        "both" => View::Both,
        other => bail!("--view must be intake, disposal or both, not {other:?}"),
    };
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_lowercase();
    let format = match args.format.as_deref().unwrap_or(&ext) {
        "xlsx" => Format::Xlsx,
        "csv" => Format::Csv,
        other => {
            bail!("--format must be xlsx or csv (or name the file .xlsx / .csv), not {other:?}")
        }
    };
    let filter = RequestFilter {
        community_id,
        from_ms,
        to_ms,
        status,
        channel,
        category,
        ..RequestFilter::for_actor(&operator())
    };
    let title = match view {
        View::Intake => "接待台账",
        View::Disposal => "处置清单",
        View::Both => "接待台账及处置清单",
    };
    let started = std::time::Instant::now();
    let exported = export_ledger(store, &operator(), filter, view, format, &args.out, title)
        .await
        .map_err(app_error)?;
    let rows = exported.rows;
    if let Some(checkpoint) = &exported.checkpoint {
        println!("{}", bangbang_app::report::checkpoint_line(checkpoint));
    }
    println!(
        "wrote {rows} rows to {} in {:.1}s",
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The community the ledger belongs to (slug).
    #[arg(long)]
    community: String,
    /// Show what would be imported and every row that would not, and import nothing.
    #[arg(long)]
    dry_run: bool,
    /// Override the detected columns, e.g. "reported_at=B,description=诉求内容".
    #[arg(long)]
    map: Option<String>,
    /// Import the rows that can be imported and report the rest (default: all or nothing).
    #[arg(long)]
    skip_bad_rows: bool,
    /// The year of dates written without one (7月3日).
    #[arg(long)]
    year: Option<i32>,
    /// The ledger: .xlsx, .xls or .csv.
    file: PathBuf,
}

/// The ledger file's bytes, refusing a file too big to import before reading any of it.
fn read_ledger(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let limits = bangbang_sheets::import::ImportLimits::default();
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > limits.max_file_bytes {
        anyhow::bail!(
            "{}",
            bangbang_sheets::SheetError::TooLarge {
                limit: bangbang_sheets::import::Limit::FileBytes,
                max: limits.max_file_bytes,
            }
        );
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

pub async fn import(store: &SqlStore, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let community = store
        .community(&args.community)
        .await
        .with_context(|| format!("no community {:?}", args.community))?;
    let bytes = read_ledger(&args.file)?;
    let name = args
        .file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("ledger");
    // Without --dry-run the rows are only counted: memory then stays flat however long
    // the file is (the import below plans it again, a chunk at a time).
    let rows = if args.dry_run {
        Rows::Kept
    } else {
        Rows::Counted
    };
    let run = import_file_with(
        store,
        &operator(),
        &community.slug,
        bytes,
        name,
        args.map.as_deref(),
        args.year,
        Mode::DryRun,
        rows,
    )
    .await
    .map_err(app_error)?;
    let plan = &run.plan;
    println!(
        "{}: header on row {}; {} rows to import, {} rows that cannot be, {} skipped",
        args.file.display(),
        plan.header_row + 1,
        run.importable,
        plan.rejected.len(),
        plan.skipped.len()
    );
    let columns: Vec<String> = plan
        .mapping
        .iter()
        .map(|(field, col)| {
            format!(
                "{}={}",
                field.key(),
                plan.mapping.headers().get(col).cloned().unwrap_or_default()
            )
        })
        .collect();
    println!("columns: {}", columns.join(", "));
    for r in &plan.rejected {
        println!("  row {:>4}  REJECTED  {}", r.row_number, r.reason);
    }
    for (n, why) in &plan.skipped {
        println!("  row {n:>4}  skipped   {why}");
    }
    if args.dry_run {
        for row in &plan.rows {
            let notes = if row.notes.is_empty() {
                String::new()
            } else {
                format!("  ({})", row.notes.join("; "))
            };
            println!(
                "  row {:>4}  {}  {}  {}  {}  → {}{notes}",
                row.row_number,
                row.reported_at.format("%Y-%m-%d %H:%M"),
                row.category,
                row.address_text,
                row.description.chars().take(20).collect::<String>(),
                row.target.status().zh()
            );
        }
        println!("dry run: nothing was imported");
        return Ok(ExitCode::SUCCESS);
    }
    if !plan.rejected.is_empty() && !args.skip_bad_rows {
        println!(
            "nothing was imported: fix the rows above, or import the rest with --skip-bad-rows"
        );
        return Ok(ExitCode::from(1));
    }
    let mode = if args.skip_bad_rows {
        Mode::SkipBadRows
    } else {
        Mode::Strict
    };
    drop(run);
    // The file is read again rather than kept: the import lets go of it once it has its
    // table. The rows go in a chunk at a time, each chunk in a transaction of its own.
    // Should the import stop part way, its error says how many requests went in;
    // importing the file again adds only the rest.
    let bytes = read_ledger(&args.file)?;
    let run = import_file_with(
        store,
        &operator(),
        &community.slug,
        bytes,
        name,
        args.map.as_deref(),
        args.year,
        mode,
        Rows::Counted,
    )
    .await
    .map_err(app_error)?;
    let outcome = run.outcome.unwrap_or_default();
    println!(
        "imported {} requests into {}; {} were already there",
        outcome.created, community.name, outcome.already_there
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct ReportArgs {
    #[arg(long)]
    community: Option<String>,
    #[arg(long)]
    from: Option<String>,
    #[arg(long)]
    to: Option<String>,
    /// html or xlsx.
    #[arg(long, default_value = "html")]
    format: String,
    #[arg(long, short)]
    out: PathBuf,
}

pub async fn report(store: SqlStore, args: ReportArgs) -> anyhow::Result<()> {
    if let Some(slug) = &args.community {
        store
            .community(slug)
            .await
            .with_context(|| format!("no community {slug:?}"))?;
    }
    period(args.from.as_deref(), args.to.as_deref())?;
    let q = ReportQuery {
        community: args.community.clone(),
        from: args.from.clone(),
        to: args.to.clone(),
    };
    match args.format.as_str() {
        "html" => {
            let html = report_html(&store, &operator(), &q)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            std::fs::write(&args.out, html)
                .with_context(|| format!("cannot write {}", args.out.display()))?;
        }
        "xlsx" => {
            let report = gather(&store, &operator(), &q).await.map_err(app_error)?;
            let data = report_data(&report, &store.categories().await?);
            write_report_xlsx(&data, &args.out).map_err(app_error)?;
        }
        other => bail!("--format must be html or xlsx, not {other:?}"),
    }
    println!("wrote the report to {}", args.out.display());
    Ok(())
}
