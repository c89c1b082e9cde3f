//! Listings: calls whose answers come page by page, read as a stream.
//!
//! A stream holds one page at a time, so memory stays bounded however many pages there are;
//! the consumer decides how far to read.

use futures_util::{Stream, StreamExt, TryStreamExt, stream};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::endpoints::Endpoint;
use super::envelope::{RequestMeta, RequestPagination};
use super::error::MimecastError;
use super::transport::MimecastClient;

/// A paged Mimecast query: its request item, and how rows are found in `data[]`.
pub trait Listing: Send + Sync + 'static {
    /// The request's `data[0]` item.
    type Item: Serialize + Send;
    /// One element of the answer's `data[]`.
    type Data: DeserializeOwned + Send;
    /// One result row.
    type Row: Send + 'static;
    /// Where to send it.
    const ENDPOINT: Endpoint;
    /// The request item, or a user-facing reason why the query cannot be sent.
    fn item(&self) -> Result<Self::Item, String>;
    /// Extracts the rows of one page.
    fn rows(data: Vec<Self::Data>) -> Vec<Self::Row>;
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows.
    pub rows: Vec<T>,
    /// Token for the next page, `None` on the last one.
    pub next: Option<String>,
    /// Total matching rows, when Mimecast says.
    pub total: Option<u64>,
}

impl MimecastClient {
    /// Reads one page: the first when `token` is `None`, else the page the token names.
    pub async fn page<L: Listing>(
        &self,
        listing: &L,
        page_size: u32,
        token: Option<String>,
    ) -> Result<Page<L::Row>, MimecastError> {
        let item = listing
            .item()
            .map_err(|detail| MimecastError::InvalidRequest {
                endpoint: L::ENDPOINT.path,
                detail,
            })?;
        let meta = RequestMeta {
            pagination: RequestPagination {
                page_size: Some(page_size),
                page_token: token,
            },
        };
        let answer = self
            .call::<_, L::Data>(&L::ENDPOINT, Some(meta), vec![item])
            .await?;
        let failures = answer.envelope.failures();
        if !failures.is_empty() {
            return Err(MimecastError::Api {
                endpoint: L::ENDPOINT.path,
                failures,
            });
        }
        let next = answer.envelope.next_token();
        let total = answer
            .envelope
            .meta
            .pagination
            .as_ref()
            .and_then(|p| p.total_count);
        Ok(Page {
            rows: L::rows(answer.envelope.data),
            next,
            total,
        })
    }

    /// Every page of `listing`, in order, fetched lazily as the stream is polled.
    ///
    /// Ends after the page without a `next` token; a token that repeats is reported as an
    /// error instead of looping.
    pub fn pages<L: Listing>(
        &self,
        listing: L,
        page_size: u32,
    ) -> impl Stream<Item = Result<Page<L::Row>, MimecastError>> + Send + 'static {
        enum State {
            Start,
            Next(String),
            Done,
        }
        let client = self.clone();
        let listing = std::sync::Arc::new(listing);
        stream::try_unfold(State::Start, move |state| {
            let client = client.clone();
            let listing = listing.clone();
            async move {
                let token = match state {
                    State::Done => return Ok(None),
                    State::Start => None,
                    State::Next(token) => Some(token),
                };
                let page = client.page(&*listing, page_size, token.clone()).await?;
                let next = match (&page.next, &token) {
                    (Some(next), Some(current)) if next == current => {
                        return Err(MimecastError::Decode {
                            endpoint: L::ENDPOINT.path,
                            detail: "pagination token did not advance".to_owned(),
                        });
                    }
                    (Some(next), _) => State::Next(next.clone()),
                    (None, _) => State::Done,
                };
                Ok(Some((page, next)))
            }
        })
    }

    /// Every row of `listing`, page after page.
    pub fn rows<L: Listing>(
        &self,
        listing: L,
        page_size: u32,
    ) -> impl Stream<Item = Result<L::Row, MimecastError>> + Send + 'static {
        self.pages(listing, page_size)
            .map_ok(|page| stream::iter(page.rows.into_iter().map(Ok)))
            .try_flatten()
    }

    /// Every row of `listing`, like [`rows`](Self::rows), with the next page fetched while the
    /// caller works through the current one.
    ///
    /// For consumers that read to the end (summaries): the overlap hides Mimecast's latency
    /// behind the caller's work. At most three pages are held (one being read, one waiting, one
    /// arriving). Dropping the stream stops the fetching. An error ends the stream after it is
    /// delivered. Needs a Tokio runtime.
    pub fn rows_read_ahead<L: Listing>(
        &self,
        listing: L,
        page_size: u32,
    ) -> impl Stream<Item = Result<L::Row, MimecastError>> + Send + 'static {
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        let pages = self.pages(listing, page_size);
        let fetcher = tokio::spawn(async move {
            let mut pages = std::pin::pin!(pages);
            while let Some(page) = pages.next().await {
                let failed = page.is_err();
                if sender.send(page).await.is_err() || failed {
                    break;
                }
            }
        });
        let state = (receiver, AbortOnDrop(fetcher));
        stream::unfold(state, |(mut receiver, fetcher)| async move {
            let page = receiver.recv().await?;
            Some((page, (receiver, fetcher)))
        })
        .map_ok(|page| stream::iter(page.rows.into_iter().map(Ok)))
        .try_flatten()
    }
}

/// Aborts the task when dropped, so an abandoned stream does not keep fetching.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
