//! An upload body that moves a progress bar as it is sent.
//!
//! The package is in memory already (it was checked before the upload);
//! handing it to the connection in chunks lets the bar follow what the
//! connection has taken: the next chunk is asked for only once the last
//! one is written, so the count runs at most a chunk ahead of the socket.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use indicatif::ProgressBar;

/// Bytes handed over per chunk.
const CHUNK: usize = 64 * 1024;

/// The package as an HTTP body, counting into `bar`.
pub struct ProgressBody {
    data: Bytes,
    sent: usize,
    bar: ProgressBar,
}

impl ProgressBody {
    /// A body of `data` that advances `bar` (its length is set here).
    pub fn new(data: Bytes, bar: ProgressBar) -> ProgressBody {
        bar.set_length(data.len() as u64);
        bar.set_position(0);
        ProgressBody { data, sent: 0, bar }
    }

    /// The body's length in bytes.
    pub fn len(&self) -> u64 {
        self.data.len() as u64
    }
}

impl http_body::Body for ProgressBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.sent >= this.data.len() {
            return Poll::Ready(None);
        }
        let end = (this.sent + CHUNK).min(this.data.len());
        let chunk = this.data.slice(this.sent..end);
        this.sent = end;
        this.bar.set_position(end as u64);
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent >= self.data.len()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact((self.data.len() - self.sent) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Body;

    #[tokio::test]
    async fn the_body_yields_every_byte_in_chunks_and_moves_the_bar() {
        let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let bar = ProgressBar::hidden();
        let mut body = ProgressBody::new(Bytes::from(data.clone()), bar.clone());
        assert_eq!(bar.length(), Some(200_000));

        let mut got = Vec::new();
        let mut chunks = 0;
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            got.extend_from_slice(&frame.unwrap().into_data().unwrap());
            chunks += 1;
        }

        assert_eq!(got, data);
        assert_eq!(chunks, 4);
        assert!(body.is_end_stream());
        assert_eq!(bar.position(), 200_000);
    }
}
