//! The `bangbang` binary: logging, then the command line (see the library for the commands).

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "bangbang=info,bangbang_web=info,bangbang_store=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = bangbang::Cli::parse();
    match bangbang::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
