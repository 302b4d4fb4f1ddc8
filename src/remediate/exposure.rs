//! Who can read a page: its space's permissions, narrowed by read restrictions on the page or
//! on any of its ancestors (Confluence applies an ancestor's read restriction to the whole
//! subtree). Read from Confluence when a scan finds something on a page and when a
//! permission webhook says it changed; stored per page and shown with its findings.

use std::collections::{BTreeMap, HashMap};

use dlp_confluence::ConfluenceClient;
use dlp_domain::Exposure;
use serde::Serialize;

use crate::app::App;

/// What decides a page's exposure, as read from Confluence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Audience {
    /// Anonymous users may view the space.
    pub anonymous: bool,
    /// Groups with view permission on the space that every user of the site is in (see
    /// `remediation.site_wide_groups`), and whether guests or "all licensed users" may view.
    pub site_wide: Vec<String>,
    /// Every group with view permission on the space, for the record.
    pub groups: Vec<String>,
    /// The page, or the nearest ancestor, whose read restriction limits who reads it.
    pub restricted_by: Option<String>,
}

impl Audience {
    pub fn exposure(&self) -> Exposure {
        if self.restricted_by.is_some() {
            Exposure::Restricted
        } else if self.anonymous {
            Exposure::Public
        } else if !self.site_wide.is_empty() {
            Exposure::Site
        } else {
            Exposure::Space
        }
    }

    /// What is kept with the exposure: who, not what.
    pub fn detail(&self) -> serde_json::Value {
        serde_json::json!({
            "anonymous": self.anonymous,
            "site_wide_groups": self.site_wide,
            "groups": self.groups,
            "restricted_by": self.restricted_by,
        })
    }
}

/// Reads the exposure of `pages` (all in `space`) from Confluence and stores it: the
/// space's permissions once, then each page's restrictions and its ancestors'. A page
/// Confluence does not answer for keeps the last exposure stored (none if there is none).
/// Answers the exposure of each page known, and how many were read now.
pub async fn refresh_pages(
    app: &App,
    client: &ConfluenceClient,
    space: &str,
    pages: &[String],
) -> (HashMap<String, Exposure>, usize) {
    let mut known = HashMap::new();
    let mut read = 0;
    let base = match super::access::space_audience(app, client, space).await {
        Ok(audience) => Some(audience),
        Err(e) => {
            tracing::warn!(space, error = %e, "space permissions not read; last exposures stand");
            None
        }
    };
    let mut unread: Vec<&str> = Vec::new();
    for page in pages {
        let Some(base) = &base else {
            unread.push(page);
            continue;
        };
        let mut audience = base.clone();
        match super::access::restricted_by(client, page).await {
            Ok(by) => audience.restricted_by = by,
            Err(e) => {
                tracing::debug!(page, error = %e, "restrictions not read; last exposure stands");
                unread.push(page);
                continue;
            }
        }
        let exposure = audience.exposure();
        if let Err(e) = app
            .store
            .set_page_exposure(page, space, exposure, &audience.detail())
            .await
        {
            tracing::warn!(page, error = %e, "exposure not stored");
        }
        known.insert(page.clone(), exposure);
        read += 1;
    }
    if !unread.is_empty()
        && let Ok(stored) = app.store.page_exposures(&unread).await
    {
        known.extend(stored.into_iter().map(|(page, e)| (page, e.exposure)));
    }
    (known, read)
}

/// Reads again the exposure of every page whose exposure is known (the pages with
/// findings that were planned for); answers how many were read.
pub async fn refresh_known(app: &App) -> usize {
    let Some(client) = app.confluence.as_ref() else {
        return 0;
    };
    let pages = match app.store.exposed_pages().await {
        Ok(pages) => pages,
        Err(e) => {
            tracing::warn!(error = %e, "exposure: the store did not answer");
            return 0;
        }
    };
    let mut by_space: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (page, space) in pages {
        by_space.entry(space).or_default().push(page);
    }
    let mut read = 0;
    for (space, pages) in by_space {
        read += refresh_pages(app, client, &space, &pages).await.1;
    }
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restriction_wins_then_anonymous_then_site_wide_groups() {
        let mut a = Audience {
            anonymous: true,
            site_wide: vec!["confluence-users".into()],
            groups: vec!["confluence-users".into(), "eng".into()],
            restricted_by: Some("65601".into()),
        };
        assert_eq!(a.exposure(), Exposure::Restricted);
        a.restricted_by = None;
        assert_eq!(a.exposure(), Exposure::Public);
        a.anonymous = false;
        assert_eq!(a.exposure(), Exposure::Site);
        a.site_wide.clear();
        assert_eq!(a.exposure(), Exposure::Space);
        assert_eq!(a.detail()["groups"][1], "eng");
    }

    #[test]
    fn exposure_raises_severity_by_audience_and_category() {
        use dlp_domain::{Category, Severity};
        assert_eq!(
            Exposure::Public.raise(Severity::High, Category::Secret),
            Severity::Critical
        );
        assert_eq!(
            Exposure::Public.raise(Severity::Low, Category::Pci),
            Severity::Critical
        );
        assert_eq!(
            Exposure::Public.raise(Severity::Medium, Category::Pii),
            Severity::High
        );
        assert_eq!(
            Exposure::Site.raise(Severity::Medium, Category::Secret),
            Severity::High
        );
        assert_eq!(
            Exposure::Site.raise(Severity::Medium, Category::Pii),
            Severity::Medium
        );
        assert_eq!(
            Exposure::Space.raise(Severity::High, Category::Secret),
            Severity::High
        );
        assert_eq!(
            Exposure::Restricted.raise(Severity::Critical, Category::Phi),
            Severity::Critical
        );
    }
}
