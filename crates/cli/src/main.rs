//! The `bangbang` binary: memory tuning, logging, then the command line (see the library
//! for the commands).

use clap::Parser;

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    runtime.block_on(run())
}

async fn run() -> std::process::ExitCode {
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

/// glibc gives threads their own malloc arenas (up to eight per core) and keeps what is
/// freed in each. The heavy work here (password hashing, photo decoding, reading workbooks)
/// runs on short-lived blocking threads, so every arena ends up holding a ~20-100 MB block
/// it no longer uses. Four arenas keep that retained memory small, at no cost to a server
/// whose heavy work is gated to a few tasks at once anyway. Set before any thread starts.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}
