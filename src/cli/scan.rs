//! `scan` and `worker`: argument handling around `crate::scan`.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;

use super::output;
use super::{FailOn, Format, ScanArgs, WorkerArgs};
use crate::app::App;
use crate::config::Settings;
use crate::scan::{LocalPaths, ScanRequest, ScanTarget, run_scan};

pub async fn command(mut settings: Settings, args: ScanArgs) -> anyhow::Result<ExitCode> {
    if let Some(site) = args.site {
        settings.confluence.site = Some(site);
    }
    if let Some(email) = args.email {
        settings.confluence.email = Some(email);
    }
    if let Some(token) = args.api_token {
        settings.confluence.api_token = Some(token);
    }
    if let Some(pat) = args.pat {
        settings.confluence.pat = Some(pat);
    }
    if let Some(n) = args.concurrency {
        settings.workers.concurrency = n;
    }
    if let Some(rps) = args.max_requests_per_sec {
        settings.confluence.max_requests_per_sec = Some(rps);
    }
    if let Some(c) = args.min_confidence {
        settings.rules.min_confidence = c;
    }
    let target = match (args.space, args.all_spaces, args.paths.is_empty()) {
        (Some(space_key), false, true) => ScanTarget::Space { space_key },
        (None, true, true) => ScanTarget::AllSpaces,
        (None, false, false) => ScanTarget::Paths(LocalPaths::new(args.paths)),
        (_, _, false) => anyhow::bail!("give either --space, --all-spaces or PATHs, not both"),
        _ => anyhow::bail!("nothing to scan: give --site and --space or --all-spaces, or PATHs"),
    };
    if !matches!(target, ScanTarget::Paths(_)) && settings.confluence.site.is_none() {
        anyhow::bail!("no Confluence site: give --site or set CONFLUENCE_SITE");
    }
    if matches!(target, ScanTarget::Paths(_)) && args.history.is_some() {
        anyhow::bail!("--history reads Confluence page history: give --space or --all-spaces");
    }
    if matches!(target, ScanTarget::Paths(_)) {
        // Local files need no site: a configured one must not make the scan fail on its
        // credentials.
        settings.confluence.site = None;
    }
    let app = App::build(settings).await?;
    let request = ScanRequest {
        target,
        run_workers: !args.enqueue_only,
        incremental: args.incremental,
        history: args.history,
    };
    // SARIF names and describes the rules that fired.
    let rules = match args.format {
        Format::Sarif => crate::app::rule_pack(&app.settings)?.rules().to_vec(),
        _ => Vec::new(),
    };
    // Created before the scan too: a long Confluence scan should not end in "no such
    // directory".
    let file = match &args.output {
        Some(path) => Some((
            path,
            output::create_private_file(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => None,
    };

    let show_bar = args.format == Format::Table && std::io::stderr().is_terminal();
    let bar = output::ProgressBar::new(show_bar);
    let outcome = run_scan(&app, request, |p| bar.update(p)).await;
    bar.finish();
    app.close().await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            // It was truncated already; an empty file would pass for a scan with no output.
            if let Some(path) = &args.output {
                let _ = std::fs::remove_file(path);
            }
            return Err(e.into());
        }
    };

    match file {
        Some((path, file)) => {
            output::write(
                &mut std::io::BufWriter::new(file),
                args.format,
                &outcome,
                &rules,
            )
            .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "{} findings, {} items not scanned; written to {}",
                outcome.findings.len(),
                outcome.problems.len(),
                path.display()
            );
        }
        None => output::write(&mut std::io::stdout().lock(), args.format, &outcome, &rules)?,
    }
    // The process ends with this command, its store closed and its output written: freeing
    // the engine's automata, Tesseract's models and the caches one allocation at a time is
    // work no one waits for but the user.
    std::mem::forget(app);
    Ok(if fails(&outcome.findings, args.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether the scan exits 1: a finding at or above the `--fail-on` severity, or any finding
/// without it.
fn fails(findings: &[dlp_domain::Finding], fail_on: Option<FailOn>) -> bool {
    let threshold = fail_on.map_or(dlp_domain::Severity::Low, FailOn::threshold);
    findings.iter().any(|f| f.severity >= threshold)
}

pub async fn worker_command(mut settings: Settings, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    if let Some(site) = args.site {
        settings.confluence.site = Some(site);
    }
    if let Some(n) = args.concurrency {
        settings.workers.concurrency = n;
    }
    let app = App::build(settings).await?;
    eprintln!(
        "worker pool of {} on the {} queue; SIGTERM or Ctrl-C stops after the jobs in hand",
        app.pool.concurrency,
        app.queue.kind()
    );
    let ran = app.run_workers(crate::api::shutdown_signal()).await;
    app.close().await;
    ran?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlp_domain::{
        Category, ContentRef, ContentType, Finding, Location, SegmentOrigin, Severity,
    };

    fn at(severity: Severity) -> Finding {
        let item = ContentRef {
            space_key: "ENG".into(),
            content_type: ContentType::Page,
            page_id: "1".into(),
            page_version: None,
            comment_id: None,
            attachment_id: None,
            attachment_title: None,
        };
        let location = Location::new(&item, &SegmentOrigin::default(), 1, 0, 4);
        Finding {
            id: "f".into(),
            detector: "d".into(),
            category: Category::Pii,
            severity,
            confidence: 0.9,
            masked: "****".into(),
            fingerprint: "fp".into(),
            location,
        }
    }

    #[test]
    fn fail_on_is_a_lower_bound_on_severity() {
        let medium = [at(Severity::Low), at(Severity::Medium)];
        assert!(fails(&medium, None));
        assert!(!fails(&[], None));
        assert!(fails(&medium, Some(FailOn::Info)));
        assert!(fails(&medium, Some(FailOn::Medium)));
        assert!(!fails(&medium, Some(FailOn::High)));
        assert!(!fails(&medium, Some(FailOn::Critical)));
        assert!(fails(&[at(Severity::Critical)], Some(FailOn::Critical)));
        assert!(fails(&[at(Severity::Low)], Some(FailOn::Low)));
    }
}
