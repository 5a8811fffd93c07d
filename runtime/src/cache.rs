//! Compiled components, cached on disk so that a restart does not
//! recompile, and in memory so that one component loaded under several app
//! ids is compiled and mapped once.
//!
//! Entries are keyed by the SHA-256 of the component bytes and a hash of
//! the engine's version and compilation settings. The cache directory must
//! be writable only by the server: loading an entry trusts it as native code.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// How a component was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Already in memory.
    Memory,
    /// Loaded from the disk cache without compiling.
    Disk,
    /// Compiled now (and written to disk when a directory is set).
    Compiled,
}

/// How an app's log and an admin read it.
impl std::fmt::Display for CacheOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CacheOutcome::Memory => "compiled code from memory",
            CacheOutcome::Disk => "compiled code from the disk cache",
            CacheOutcome::Compiled => "compiled now",
        })
    }
}

/// The compiled-component cache.
pub struct ComponentCache {
    dir: Option<PathBuf>,
    engine_key: String,
    memory: Mutex<HashMap<[u8; 32], Component>>,
}

/// A failure to compile or cache a component.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot compile the component: {0}")]
    Compile(String),
}

impl ComponentCache {
    /// A cache in `dir` (created when missing), or memory only with `None`.
    pub fn new(engine: &Engine, dir: Option<&Path>) -> std::io::Result<ComponentCache> {
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir)?;
        }
        let mut hasher = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = hex::encode(&hasher.0.finalize()[..12]);
        Ok(ComponentCache {
            dir: dir.map(Path::to_path_buf),
            engine_key,
            memory: Mutex::new(HashMap::new()),
        })
    }

    /// The compiled form of `wasm`, from memory, disk, or a fresh compile.
    pub fn get(
        &self,
        engine: &Engine,
        wasm: &[u8],
    ) -> Result<(Component, CacheOutcome), CacheError> {
        let digest: [u8; 32] = Sha256::digest(wasm).into();
        if let Some(component) = self.memory.lock().get(&digest) {
            return Ok((component.clone(), CacheOutcome::Memory));
        }
        let path = self
            .dir
            .as_ref()
            .map(|dir| dir.join(format!("{}-{}.cwasm", hex::encode(digest), self.engine_key)));
        if let Some(path) = path.as_ref().filter(|p| p.exists()) {
            // SAFETY: the cache directory holds only what `Component::serialize`
            // wrote for this engine configuration (see the module doc), and
            // wasmtime checks the engine compatibility header before use.
            match unsafe { Component::deserialize_file(engine, path) } {
                Ok(component) => {
                    self.memory.lock().insert(digest, component.clone());
                    return Ok((component, CacheOutcome::Disk));
                }
                Err(err) => {
                    tracing::warn!(path = %path.display(), error = %err, "ignoring an unusable cache entry")
                }
            }
        }
        let component =
            Component::new(engine, wasm).map_err(|e| CacheError::Compile(format!("{e:#}")))?;
        if let Some(path) = path {
            // A cache that cannot be written costs a recompile at the next
            // start, not this load.
            let written = component
                .serialize()
                .map_err(|e| std::io::Error::other(format!("{e:#}")))
                .and_then(|bytes| write_atomically(&path, &bytes));
            if let Err(error) = written {
                tracing::warn!(path = %path.display(), %error, "cannot write the compiled-component cache");
            }
        }
        self.memory.lock().insert(digest, component.clone());
        Ok((component, CacheOutcome::Compiled))
    }

    /// Forgets in-memory entries (the disk cache stays).
    pub fn clear_memory(&self) {
        self.memory.lock().clear();
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // Unique per process and per write, so concurrent loads never share a file.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp.{}.{n}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Feeds `Hash` output into SHA-256, so the key is stable across processes.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}
