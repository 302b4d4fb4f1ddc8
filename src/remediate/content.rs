//! The bodies remediation reads and writes: a page's, a blog post's or a comment's current
//! storage body with its version, where the values of some findings are in it, and the body
//! with those values masked. Planning, executing and verifying all read through here, so the
//! three agree on what "the value is there" means.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use dlp_confluence::{CommentLocation, ConfluenceClient, ConfluenceError, Container};
use dlp_engine::Classifier;
use serde::Serialize;

use super::storage_view::{StorageView, context};
use crate::redact::{Located, locate};

/// Which body: the content a finding sits in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyRef {
    Document { container: Container, id: String },
    Comment { id: String },
}

/// A body as Confluence holds it now.
#[derive(Debug, Clone)]
pub struct Body {
    pub title: String,
    pub version: u32,
    /// The message of the current version: where a redaction leaves its mark.
    pub message: String,
    pub storage: String,
    /// Footer or inline, for a comment.
    pub comment_location: Option<CommentLocation>,
}

impl BodyRef {
    /// The body of a finding on a page, a blog post or a comment; `None` for attachments and
    /// local files, which have no storage body.
    pub fn of(location: &dlp_domain::Location) -> Option<BodyRef> {
        use dlp_domain::ContentType as C;
        match location.content_type {
            C::Page => Some(BodyRef::Document {
                container: Container::Page,
                id: location.page_id.clone(),
            }),
            C::BlogPost => Some(BodyRef::Document {
                container: Container::BlogPost,
                id: location.page_id.clone(),
            }),
            C::Comment => location
                .comment_id
                .clone()
                .map(|id| BodyRef::Comment { id }),
            _ => None,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            BodyRef::Document { id, .. } | BodyRef::Comment { id } => id,
        }
    }

    pub async fn read(&self, client: &ConfluenceClient) -> Result<Body, ConfluenceError> {
        let (title, version, storage, location) = match self {
            BodyRef::Document {
                container: Container::Page,
                id,
            } => {
                let p = client.page(id).await?;
                (p.title, p.version, p.body.storage, None)
            }
            BodyRef::Document {
                container: Container::BlogPost,
                id,
            } => {
                let b = client.blog_post(id).await?;
                (b.title, b.version, b.body.storage, None)
            }
            BodyRef::Comment { id } => {
                let c = client.comment(id).await?;
                let location = match c.location.as_deref() {
                    Some("inline") => CommentLocation::Inline,
                    _ => CommentLocation::Footer,
                };
                (c.title, c.version, c.body.storage, Some(location))
            }
        };
        let version = version.ok_or(ConfluenceError::UnexpectedVersion)?;
        Ok(Body {
            title,
            version: version.number,
            message: version.message,
            storage: storage.map(|s| s.value).unwrap_or_default(),
            comment_location: location,
        })
    }

    /// Writes `storage` as the version after `base`; Confluence answers 409
    /// ([`ConfluenceError::Conflict`]) when someone else wrote since.
    pub async fn write(
        &self,
        client: &ConfluenceClient,
        base: &Body,
        storage: &str,
        message: &str,
    ) -> Result<u32, ConfluenceError> {
        let next = base.version + 1;
        let version = match self {
            BodyRef::Document { container, id } => {
                client
                    .update_document(*container, id, &base.title, next, storage, message)
                    .await?
            }
            BodyRef::Comment { id } => {
                let location = base.comment_location.unwrap_or(CommentLocation::Footer);
                client
                    .update_comment(id, location, next, storage, message)
                    .await?
            }
        };
        Ok(version.number)
    }
}

/// One value to be masked, and how a person sees the change: the text around it with every
/// value in it masked, the value marked ⟦ ⟧ before and written masked after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub before: String,
    pub after: String,
}

/// The values of `targets` (keyed fingerprints) in a storage body.
pub struct Masking {
    view: StorageView,
    located: Vec<Located>,
}

impl Masking {
    pub fn read(classifier: &Classifier, storage: &str, targets: &HashSet<String>) -> Masking {
        let view = StorageView::read(storage);
        let located = locate(classifier, view.text(), targets);
        Masking { view, located }
    }

    /// How many target values the body holds.
    pub fn count(&self) -> usize {
        self.located.iter().filter(|l| l.target).count()
    }

    /// The fingerprints of the target values found.
    pub fn found(&self) -> HashSet<String> {
        self.located
            .iter()
            .filter(|l| l.target)
            .map(|l| l.fingerprint.clone())
            .collect()
    }

    /// The body with each target value replaced by its masked form (the finding's, when the
    /// scan's preview is known: the same value masks the same way everywhere).
    pub fn masked_body(&self, storage: &str, masks: &HashMap<String, String>) -> (String, usize) {
        let spans: Vec<(Range<usize>, String)> = self
            .located
            .iter()
            .filter(|l| l.target)
            .map(|l| {
                let masked = masks.get(&l.fingerprint).unwrap_or(&l.masked).clone();
                (l.start..l.end, masked)
            })
            .collect();
        self.view.replace(storage, &spans)
    }

    /// The changes a person is shown: at most `limit`, each with `around` characters of
    /// context either side, every value in the context masked too.
    pub fn changes(
        &self,
        masks: &HashMap<String, String>,
        around: usize,
        limit: usize,
    ) -> Vec<Change> {
        let text = self.view.text();
        // The text with every value masked, and where each target landed in it.
        let mut masked_text = String::with_capacity(text.len());
        let mut landed = Vec::new();
        let mut at = 0;
        for l in &self.located {
            masked_text.push_str(&text[at..l.start]);
            let masked = masks.get(&l.fingerprint).unwrap_or(&l.masked);
            let start = masked_text.len();
            masked_text.push_str(masked);
            if l.target {
                landed.push(start..masked_text.len());
            }
            at = l.end;
        }
        masked_text.push_str(&text[at..]);
        landed
            .into_iter()
            .take(limit)
            .map(|span| {
                let (before, after) = context(&masked_text, span.clone(), around);
                let value = &masked_text[span];
                Change {
                    before: format!("{before}⟦{value}⟧{after}"),
                    after: format!("{before}{value}{after}"),
                }
            })
            .collect()
    }
}
