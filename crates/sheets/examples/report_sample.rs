//! Writes the seed's mid-term report to a file, to open in Excel or print:
//! `cargo run -p bangbang-sheets --example report_sample -- /tmp/report.xlsx`

use bangbang_sheets::fixtures::seed_report_data;
use std::path::PathBuf;

fn main() -> Result<(), bangbang_sheets::SheetError> {
    let path = std::env::args().nth(1).map_or_else(
        || std::env::temp_dir().join("bangbang-report.xlsx"),
        PathBuf::from,
    );
    bangbang_sheets::write_report(&path, &seed_report_data())?;
    println!("wrote {}", path.display());
    Ok(())
}
