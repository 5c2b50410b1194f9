//! An import a few rows at a time does what one of the whole file does: the same requests,
//! the same rows refused (by the sheet and by the store) and skipped, and nothing again.

use super::*;
use bangbang_sheets::fixtures::MESSY_LEDGER_CSV;
use bangbang_store::{story, testing, SqlStore};

async fn store() -> (SqlStore, story::Fixture) {
    let store = testing::sqlite().await;
    let fixture = story::fixture(&store).await;
    (store, fixture)
}

async fn run(
    store: &SqlStore,
    actor: &Actor,
    mode: Mode,
    chunk: usize,
) -> Result<ImportRun, Error> {
    let bytes = MESSY_LEDGER_CSV.as_bytes().to_vec();
    let mut sheet = read_sheet(store, bytes, "台账.csv", None, Some(2024)).await?;
    import_sheet(
        store,
        actor,
        "liuxiali",
        &mut sheet,
        mode,
        Rows::Kept,
        chunk,
    )
    .await
}

async fn events(store: &SqlStore) -> u64 {
    store.verify_ledger().await.unwrap().events_checked
}

#[tokio::test]
async fn chunks_import_what_the_whole_file_does() {
    let (whole, f) = store().await;
    let (chunked, g) = store().await;
    let once = run(&whole, &f.staff, Mode::SkipBadRows, IMPORT_CHUNK)
        .await
        .unwrap();
    let bit_by_bit = run(&chunked, &g.staff, Mode::SkipBadRows, 2).await.unwrap();
    assert!(
        !once.plan.rejected.is_empty() && !once.plan.skipped.is_empty(),
        "the ledger has rows of every kind"
    );
    assert!(once.outcome.as_ref().unwrap().created > 0);
    assert_eq!(once.plan, bit_by_bit.plan);
    assert_eq!(once.importable, bit_by_bit.importable);
    assert_eq!(once.outcome, bit_by_bit.outcome);
    assert_eq!(events(&whole).await, events(&chunked).await);

    let again = run(&chunked, &g.staff, Mode::SkipBadRows, 2).await.unwrap();
    let outcome = again.outcome.unwrap();
    assert_eq!(outcome.created, 0, "importing the file again adds nothing");
    assert_eq!(outcome.already_there, once.importable);
}

#[tokio::test]
async fn a_strict_import_checks_every_chunk_before_writing_any() {
    let (store, f) = store().await;
    let dry = run(&store, &f.staff, Mode::DryRun, 2).await.unwrap();
    let last_bad = dry
        .plan
        .rejected
        .iter()
        .map(|r| r.row_number)
        .max()
        .unwrap();
    let last_good = dry.plan.rows.iter().map(|r| r.row_number).max().unwrap();
    assert!(last_bad > 3, "a refused row lies beyond the first chunk");
    assert!(last_good > 3);
    let before = events(&store).await;
    assert!(matches!(
        run(&store, &f.staff, Mode::Strict, 2).await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        events(&store).await,
        before,
        "nothing of a bad file is stored"
    );
}

/// The export's narrow stream writes the file the full records would, and logs every
/// request whose phone and room it shows.
#[tokio::test]
async fn an_export_writes_what_the_records_say_and_logs_what_it_shows() {
    let (store, f) = store().await;
    let imported = run(&store, &f.staff, Mode::SkipBadRows, IMPORT_CHUNK)
        .await
        .unwrap();
    let dir = testing::temp_dir();
    let (streamed, expected) = (dir.join("streamed.csv"), dir.join("expected.csv"));
    let filter = RequestFilter::for_actor(&f.staff);
    let exported = export_ledger(
        &store,
        &f.staff,
        filter.clone(),
        View::Both,
        Format::Csv,
        &streamed,
        "台账",
    )
    .await
    .unwrap();
    assert_eq!(exported.rows, imported.importable as u64);

    let categories = store.categories().await.unwrap();
    let mut writer = LedgerWriter::create(&expected, View::Both, Format::Csv, "台账").unwrap();
    let page = store
        .list_requests(&RequestFilter {
            ascending: true,
            limit: 5000,
            ..filter
        })
        .await
        .unwrap();
    assert!(page.next.is_none());
    for (i, r) in page.items.iter().enumerate() {
        writer
            .push(&ledger_row(i as u64 + 1, r, &categories, &f.staff))
            .unwrap();
    }
    writer.finish().unwrap();
    assert_eq!(
        std::fs::read(&streamed).unwrap(),
        std::fs::read(&expected).unwrap()
    );

    let (logged,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM personal_data_reads")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(
        logged as usize, imported.importable,
        "the office is shown every phone and room, and each showing is logged"
    );
}
