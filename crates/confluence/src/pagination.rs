//! Cursor pagination, batch by batch.
//!
//! Confluence hands out the next batch as a link (`_links.next`, repeated in the `Link`
//! header). The link is followed exactly as given, joined to the site's origin; cursors are
//! opaque and never computed. A [`Paginated`] holds only the next link, so a crawler can work
//! through a space of any size one batch at a time, and save the link to resume later.

use std::collections::HashSet;
use std::marker::PhantomData;

use futures::Stream;
use serde::de::DeserializeOwned;
use url::{Position, Url};

use super::client::ConfluenceClient;
use super::error::ConfluenceError;
use super::models::ListEnvelope;

/// A listing in progress. Call [`Paginated::next_page`] until it returns `Ok(None)`, or turn
/// it into a stream with [`Paginated::into_stream`].
///
/// After a transient error (rate limit, 5xx, timeout, transport), calling `next_page` again
/// retries the same batch; after any other error the listing is over.
pub struct Paginated<T> {
    client: ConfluenceClient,
    state: State,
    what: &'static str,
    /// Links already fetched: a server that cycles would otherwise be followed forever.
    seen: HashSet<String>,
    skipped: u64,
    _item: PhantomData<fn() -> T>,
}

enum State {
    Next(Url),
    /// An error found before or between requests, reported by the next call.
    Failed(ConfluenceError),
    Done,
}

impl<T> std::fmt::Debug for Paginated<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginated")
            .field("what", &self.what)
            .field("next", &self.next_link())
            .field("skipped", &self.skipped)
            .finish()
    }
}

impl<T: DeserializeOwned> Paginated<T> {
    pub(crate) fn new(
        client: ConfluenceClient,
        first: Result<Url, ConfluenceError>,
        what: &'static str,
    ) -> Self {
        let state = match first {
            Ok(url) => State::Next(url),
            Err(err) => State::Failed(err),
        };
        Paginated {
            client,
            state,
            what,
            seen: HashSet::new(),
            skipped: 0,
            _item: PhantomData,
        }
    }

    /// The next non-empty batch, or `None` when the listing is complete.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, ConfluenceError> {
        loop {
            let url = match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return Ok(None),
                State::Failed(err) => return Err(err),
                State::Next(url) => url,
            };
            let fetched = match self.client.inner.get_api(&url).await {
                Ok(fetched) => fetched,
                Err(err) => {
                    if err.is_transient() {
                        self.state = State::Next(url);
                    }
                    return Err(err);
                }
            };
            let envelope: ListEnvelope = serde_json::from_slice(&fetched.body)
                .map_err(|err| ConfluenceError::decode(self.what, &err))?;
            self.seen.insert(url.as_str().to_owned());

            let items = self.decode_items(envelope.results);
            let next = envelope
                .links
                .next
                .or(fetched.link_next)
                .filter(|link| !link.trim().is_empty());
            self.state = match next.map(|link| self.client.inner.resolve_next_link(&link)) {
                None => State::Done,
                Some(Err(err)) => State::Failed(err),
                Some(Ok(next)) if self.seen.contains(next.as_str()) => {
                    State::Failed(ConfluenceError::PaginationLoop)
                }
                Some(Ok(next)) => State::Next(next),
            };
            if !items.is_empty() {
                return Ok(Some(items));
            }
        }
    }

    /// Every remaining item, for listings known to be small (a page's comments or attachments).
    pub async fn collect_all(mut self) -> Result<Vec<T>, ConfluenceError> {
        let mut all = Vec::new();
        while let Some(batch) = self.next_page().await? {
            all.extend(batch);
        }
        Ok(all)
    }

    /// The listing as a stream of batches; it ends after the first error.
    pub fn into_stream(self) -> impl Stream<Item = Result<Vec<T>, ConfluenceError>> + Send + 'static
    where
        T: Send + 'static,
    {
        futures::stream::try_unfold(self, |mut listing| async move {
            Ok(listing.next_page().await?.map(|batch| (batch, listing)))
        })
    }

    /// Decodes each item on its own, so one record the model cannot read (no id, say) costs
    /// that record, not the batch. Skips are logged with their position and counted; serde's
    /// message is left out because it can quote content.
    fn decode_items(&mut self, raw: Vec<serde_json::Value>) -> Vec<T> {
        let mut items = Vec::with_capacity(raw.len());
        for (position, value) in raw.into_iter().enumerate() {
            match serde_json::from_value::<T>(value) {
                Ok(item) => items.push(item),
                Err(_) => {
                    self.skipped += 1;
                    tracing::warn!(
                        what = self.what,
                        position,
                        "skipped a Confluence record that could not be decoded"
                    );
                }
            }
        }
        items
    }
}

impl<T> Paginated<T> {
    /// The link of the next batch as path and query (`/wiki/api/v2/...?cursor=...`), to save as
    /// a checkpoint and pass to [`ConfluenceClient::resume`]; `None` once the listing is over.
    pub fn next_link(&self) -> Option<&str> {
        match &self.state {
            State::Next(url) => Some(&url[Position::BeforePath..]),
            State::Failed(_) | State::Done => None,
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Records skipped because they could not be decoded.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}
