use std::process::ExitCode;

use clap::Parser;

/// jemalloc rather than glibc's malloc: a scan allocates and frees a file's text, segments and
/// findings on each of its threads, and glibc's per-thread heaps gave their freed pages back
/// and took them again (page faults, heap consolidation): 9% of a source tree's local scan
/// was spent so (docs/benchmarks.md, "Local scans", session 18). Freed memory is handed back
/// after large files (`scan::local`), as with glibc.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    limit_openmp_threads();
    let cli = confluence_dlp::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(confluence_dlp::cli::run(cli))
}

/// Tesseract runs its OpenMP threads next to a worker pool that already reads several images at
/// once; on two cores that made one screenshot 8 times slower (docs/benchmarks.md, "OCR").
/// libgomp reads `OMP_THREAD_LIMIT` when it is loaded, before `main`, so the only way to set it
/// for this process is to start it again with the variable set. A value the user chose stays.
fn limit_openmp_threads() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let args = std::env::args_os().skip(1);
    // `exec` returns only on failure; the process then goes on with OpenMP's default.
    let _ = std::process::Command::new(exe)
        .args(args)
        .env("OMP_THREAD_LIMIT", "1")
        .exec();
}
