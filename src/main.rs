use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = confluence_dlp::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(confluence_dlp::cli::run(cli))
}
