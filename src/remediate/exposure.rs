//! Who can read a page: its space's permissions, narrowed by read restrictions on the page or
//! on any of its ancestors (Confluence applies an ancestor's read restriction to the whole
//! subtree). Read from Confluence when a scan finds something on a page and when a
//! permission webhook says it changed; stored per page and shown with its findings.

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

/// Reads the exposure of `page_id` from Confluence and stores it. When Confluence does not
/// answer, the last exposure stored stands (`None` if there is none).
pub async fn refresh(
    app: &App,
    client: &ConfluenceClient,
    page_id: &str,
    space_key: &str,
) -> Option<Exposure> {
    match super::access::read_audience(app, client, page_id, space_key).await {
        Ok(audience) => {
            let exposure = audience.exposure();
            if let Err(e) = app
                .store
                .set_page_exposure(page_id, space_key, exposure, &audience.detail())
                .await
            {
                tracing::warn!(page_id, error = %e, "exposure not stored");
            }
            Some(exposure)
        }
        Err(e) => {
            tracing::warn!(page_id, error = %e, "exposure not read; the last one known stands");
            let known = app.store.page_exposures(&[page_id]).await.ok()?;
            known.get(page_id).map(|k| k.exposure)
        }
    }
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
    let mut read = 0;
    for (page, space) in pages {
        if refresh(app, client, &page, &space).await.is_some() {
            read += 1;
        }
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
