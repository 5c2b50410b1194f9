//! Downloads and uploads of ledgers: export of the ledger views (.xlsx or .csv, any
//! filter), the report workbook, and importing a hand-kept ledger with a preview first.

use super::ctx::{Ctx, SignedIn};
use super::desk::{require, OFFICE, READERS};
use super::form::{render, PageError, PageForm};
use super::ledger::{filter_of, LedgerQuery};
use crate::{AppError, AppState};
use askama::Template;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bangbang_app::report::{gather, report_data, ReportQuery};
use bangbang_app::transfer::{export_ledger, import_file, write_report_xlsx, ImportRun, Mode};
use bangbang_domain::{time::local_date, Scope};
use bangbang_sheets::{Format, View};
use chrono::Utc;
use serde::Deserialize;
use std::path::PathBuf;
use tokio::io::AsyncReadExt;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/desk/ledger/export", get(export))
        .route("/report.xlsx", get(report_xlsx))
        .route("/desk/import", get(import_page).post(import))
}

/// A file being written for a download, removed from disk when this is dropped: after it
/// is opened for sending, or when the request is given up (time limit, client gone) while
/// the file is still being written.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl std::ops::Deref for TempFile {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

fn temp_path(ext: &str) -> TempFile {
    let name = format!(
        "bangbang-{}-{}.{ext}",
        std::process::id(),
        crate::auth::new_token()
    );
    TempFile(std::env::temp_dir().join(name))
}

/// Streams a finished file to the client and removes it from disk at once (the open
/// handle keeps it readable), so memory and disk stay bounded.
async fn send_file(
    path: TempFile,
    file_name: &str,
    content_type: &'static str,
) -> Result<Response, PageError> {
    let file = tokio::fs::File::open(&*path)
        .await
        .map_err(|e| AppError::Internal(format!("opening {}: {e}", path.display())))?;
    drop(path); // removed now: the open handle keeps it readable
    let stream = futures_util::stream::unfold(file, |mut file| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    let disposition = format!(
        "attachment; filename=\"export.{}\"; filename*=UTF-8''{}",
        file_name.rsplit('.').next().unwrap_or("bin"),
        super::ctx::urlencode(file_name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        // Fused: a layer (gzip) may poll once more after the end, which an unfold must not see.
        Body::from_stream(futures_util::StreamExt::fuse(stream)),
    )
        .into_response())
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV: &str = "text/csv; charset=utf-8";

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExportQuery {
    format: Option<String>,
    #[serde(flatten)]
    ledger: LedgerQuery,
}

async fn export(
    State(state): State<AppState>,
    SignedIn(_ctx, actor): SignedIn,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    require(&actor, READERS)?;
    let (filter, problems) = filter_of(&actor, &q.ledger);
    if !problems.is_empty() {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            problems.join("; "),
        ));
    }
    let view = match q.ledger.view() {
        "disposal" => View::Disposal,
        "both" => View::Both,
        _ => View::Intake,
    };
    let (format, ext, content_type) = match q.format.as_deref() {
        Some("csv") => (Format::Csv, "csv", CSV),
        None | Some("xlsx") | Some("") => (Format::Xlsx, "xlsx", XLSX),
        Some(other) => {
            return Err(PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("格式只能是 xlsx 或 csv / format must be xlsx or csv, not {other:?}"),
            ))
        }
    };
    let title = match view {
        View::Intake => "接待台账",
        View::Disposal => "处置清单",
        View::Both => "接待台账及处置清单",
    };
    let path = temp_path(ext);
    let exported = export_ledger(
        state.store.as_ref(),
        &actor,
        filter,
        view,
        format,
        &path,
        title,
    )
    .await?;
    tracing::info!(user = %actor.username, rows = exported.rows, "ledger exported");
    let file_name = format!("{title}-{}.{ext}", local_date(Utc::now()).format("%Y%m%d"));
    let mut response = send_file(path, &file_name, content_type).await?;
    if let Some(c) = &exported.checkpoint {
        // The file's rows can be checked against this checkpoint; a CSV has no title row
        // to say so, so the download says it beside the file.
        let at = bangbang_domain::time::from_ms(c.taken_ms).to_rfc3339();
        let value = format!(
            "fingerprint={}; merkle={}; taken={at}",
            c.fingerprint, c.merkle_root
        );
        if let Ok(value) = header::HeaderValue::from_str(&value) {
            response.headers_mut().insert(
                header::HeaderName::from_static("bangbang-checkpoint"),
                value,
            );
        }
    }
    Ok(response)
}

async fn report_xlsx(
    State(state): State<AppState>,
    SignedIn(_ctx, actor): SignedIn,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    require(&actor, READERS)?;
    let report = gather(state.store.as_ref(), &actor, &q).await?;
    let path = temp_path("xlsx");
    let data = report_data(&report, &state.store.categories().await?);
    let target = path.clone();
    tokio::task::spawn_blocking(move || write_report_xlsx(&data, &target))
        .await
        .map_err(|e| AppError::Internal(format!("report task: {e}")))??;
    let file_name = format!("{}-{}-{}.xlsx", report.title, report.from, report.to);
    send_file(path, &file_name, XLSX).await
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    ctx: Ctx,
    run: Option<ImportRun>,
    error: String,
    dry_run: bool,
    file_name: String,
}

async fn import_page(SignedIn(ctx, actor): SignedIn) -> Result<Response, PageError> {
    require(&actor, OFFICE)?;
    Ok(render(&ImportPage {
        ctx,
        run: None,
        error: String::new(),
        dry_run: true,
        file_name: String::new(),
    }))
}

async fn import(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    form: PageForm,
) -> Result<Response, PageError> {
    require(&actor, OFFICE)?;
    let community = state
        .store
        .communities()
        .await?
        .into_iter()
        .find(|c| Scope::Within(c.id) == actor.scope)
        .ok_or_else(|| {
            PageError::new(
                StatusCode::FORBIDDEN,
                "您的账号没有所属社区 / your account has no community",
            )
        })?;
    let dry_run = form.get("dry_run").is_some();
    let mode = match (dry_run, form.get("skip_bad").is_some()) {
        (true, _) => Mode::DryRun,
        (false, true) => Mode::SkipBadRows,
        (false, false) => Mode::Strict,
    };
    let Some(bytes) = form.file("file") else {
        let page = ImportPage {
            ctx,
            run: None,
            error: "请选择文件 / choose a file".into(),
            dry_run,
            file_name: String::new(),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    };
    let file_name = form.file_name("file").unwrap_or("ledger.xlsx").to_string();
    let year = form.get("year").and_then(|y| y.parse().ok());
    // Reading a workbook is heavy: a few at a time, the others told to come back.
    let wait = state.config.request_timeout / 3;
    let Ok(Ok(permit)) = tokio::time::timeout(wait, state.imports.clone().acquire_owned()).await
    else {
        return Err(PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "现在正在导入别的台账，请一分钟后再试 / another ledger is being imported: please try again in a minute",
        ));
    };
    // The import runs in a task of its own that holds the place until it really ends: a
    // request that times out must not free it while its workbook is still being read.
    let (store, who, slug) = (state.store.clone(), actor.clone(), community.slug.clone());
    let (bytes, mapping) = (bytes.to_vec(), form.owned("mapping"));
    let name = file_name.clone();
    let result = tokio::spawn(async move {
        let _permit = permit;
        import_file(
            store.as_ref(),
            &who,
            &slug,
            &bytes,
            &name,
            mapping.as_deref(),
            year,
            mode,
        )
        .await
    })
    .await
    .map_err(|e| AppError::Internal(format!("import task: {e}")))?;
    let (status, run, error) = match result {
        Ok(run) => (StatusCode::OK, Some(run), String::new()),
        Err(bangbang_app::Error::Invalid(fields)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            fields
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Err(e) => return Err(e.into()),
    };
    Ok((
        status,
        render(&ImportPage {
            ctx,
            run,
            error,
            dry_run,
            file_name,
        }),
    )
        .into_response())
}
