//! Scans refresh exposure: `serve` follows the scans that complete and reads again who can
//! read each page of that space with open findings, the space's permissions once and each
//! page's restrictions (its own and its ancestors'). Off every request and job path: a scan
//! is done when its findings are recorded, and exposure follows within `poll`.

use std::sync::Arc;
use std::time::Duration;

use super::exposure::refresh_pages;
use crate::app::App;

/// How often the follower looks for scans that completed.
const POLL: Duration = Duration::from_secs(5);

/// Follows completed scans until `stop` resolves. Scans that completed before the process
/// started are not followed: their exposure was read by the planning or webhooks of the
/// process that ran then, or is read by the next plan.
pub async fn follow(app: Arc<App>, stop: impl std::future::Future<Output = ()>) {
    let Some(client) = app.confluence.clone() else {
        return;
    };
    tokio::pin!(stop);
    let mut seen = chrono::Utc::now().timestamp_millis();
    loop {
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(POLL) => {}
        }
        let spaces = match app.store.spaces_scanned_since(seen).await {
            Ok(spaces) => spaces,
            Err(e) => {
                tracing::warn!(error = %e, "exposure: the store did not answer");
                continue;
            }
        };
        for (space, finished) in spaces {
            seen = seen.max(finished);
            let n = refresh_space(&app, &client, &space).await;
            tracing::info!(space, pages = n, "exposure read after a scan");
        }
    }
}

/// Reads the exposure of every page of `space` with open findings; answers how many.
pub async fn refresh_space(
    app: &App,
    client: &dlp_confluence::ConfluenceClient,
    space: &str,
) -> usize {
    match app.store.open_finding_pages(space).await {
        Ok(pages) if !pages.is_empty() => refresh_pages(app, client, space, &pages).await.1,
        Ok(_) => 0,
        Err(e) => {
            tracing::warn!(space, error = %e, "exposure: the store did not answer");
            0
        }
    }
}
