//! WASI with least privilege: clocks and random, stdout and stderr captured
//! into the app's log, and nothing else: no files (no preopens), no
//! environment, no arguments, no sockets, no name lookup. The network is
//! reachable only through the `http-outbound` capability.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

use crate::app::log::{AppLog, LogLevel, LogSource};

/// Builds the WASI context every app instance gets.
pub(crate) fn sandboxed_ctx(log: &Arc<AppLog>) -> WasiCtx {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdout(LogStream {
            log: log.clone(),
            source: LogSource::Stdout,
        })
        .stderr(LogStream {
            log: log.clone(),
            source: LogSource::Stderr,
        })
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .socket_addr_check(|_, _| Box::pin(async { false }));
    builder.build()
}

/// Stdout or stderr of an app, written line by line into its log.
#[derive(Clone)]
struct LogStream {
    log: Arc<AppLog>,
    source: LogSource,
}

impl IsTerminal for LogStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogStream {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(LineWriter {
            stream: self.clone(),
            pending: Vec::new(),
        })
    }
}

/// Splits writes into lines; a line longer than the log keeps is cut there.
struct LineWriter {
    stream: LogStream,
    pending: Vec<u8>,
}

const MAX_PENDING: usize = 4096;

impl LineWriter {
    fn emit(&mut self, upto: usize) {
        let line: Vec<u8> = self.pending.drain(..upto).collect();
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        let level = if self.stream.source == LogSource::Stderr {
            LogLevel::Warn
        } else {
            LogLevel::Info
        };
        self.stream.log.push(level, self.stream.source, text);
    }
}

impl AsyncWrite for LineWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.pending.extend_from_slice(buf);
        while let Some(pos) = self.pending.iter().position(|b| *b == b'\n') {
            self.emit(pos + 1);
        }
        if self.pending.len() >= MAX_PENDING {
            self.emit(MAX_PENDING);
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if !self.pending.is_empty() {
            let len = self.pending.len();
            self.emit(len);
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            let len = self.pending.len();
            self.emit(len);
        }
    }
}
