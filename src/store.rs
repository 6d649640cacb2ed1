//! Content-addressed blob storage.
//!
//! The archive talks to blobs through [`BlobStore`] only, so that an object
//! store can hold them later; [`FsStore`] keeps them in the archive's
//! directory as `blobs/sha256/ab/abcdef…`, read-only, each written to a
//! temporary file while hashing, then renamed into place: a running
//! process never sees a blob partially written.
//!
//! Durability is per batch, not per blob: [`BlobStore::sync`] makes every
//! blob finished since the last sync durable at once (one `syncfs(2)` on
//! Linux), and the log calls it before it writes entries that name them.
//! Until then a crash of the machine may leave a finished blob missing,
//! empty or zero-filled under its final name; no entry names it yet, and
//! the next write of the same bytes replaces it (docs/ARCHITECTURE.md,
//! "Crashes").

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::{Error, IoContext, Result};
use crate::failpoint;
use crate::hash::{Digest, Hasher};

/// The outcome of storing one stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub digest: Digest,
    pub size: u64,
    /// False when identical bytes were already stored.
    pub new: bool,
}

/// What a store holds, as listed for verification.
#[derive(Debug, Default)]
pub struct Inventory {
    pub blobs: Vec<Digest>,
    /// Files that are not named like blobs, or are in the wrong place.
    pub strays: Vec<PathBuf>,
}

pub trait BlobStore: Sync {
    /// Starts writing a blob whose name is known only at the end.
    fn writer(&self) -> Result<Box<dyn BlobWriter + '_>>;
    /// Opens a stored blob for reading.
    fn open(&self, digest: &Digest) -> Result<Box<dyn Read + '_>>;
    fn inventory(&self) -> Result<Inventory>;
    /// Where a blob is, for messages.
    fn describe(&self, digest: &Digest) -> String;
    /// Makes every blob finished since the last call durable: nothing may
    /// name a blob before this returned.
    fn sync(&self) -> Result<()>;
}

pub trait BlobWriter {
    fn append(&mut self, bytes: &[u8]) -> Result<()>;
    /// Makes the blob visible under its digest; durable at the next
    /// [`BlobStore::sync`].
    fn finish(self: Box<Self>) -> Result<Stored>;
}

/// Blobs in a directory tree.
pub struct FsStore {
    root: PathBuf,
    tmp: PathBuf,
    /// Blobs renamed into place since the last sync: not durable yet.
    pending: Mutex<HashSet<Digest>>,
}

impl FsStore {
    /// `root` holds the fan-out directories; `tmp` must be on the same
    /// file system so that the final rename is atomic.
    pub fn new(root: PathBuf, tmp: PathBuf) -> FsStore {
        FsStore {
            root,
            tmp,
            pending: Mutex::new(HashSet::new()),
        }
    }

    fn pending(&self) -> MutexGuard<'_, HashSet<Digest>> {
        // The set stays consistent whatever panicked while holding it.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// True when `target` already holds exactly the bytes named `digest`.
    /// Its size alone is not enough: after a crash of the machine, a blob
    /// that was renamed but never synced may have its size and zeros in it.
    fn holds(&self, target: &Path, digest: &Digest, size: u64) -> bool {
        if !fs::metadata(target).is_ok_and(|m| m.is_file() && m.len() == size) {
            return false;
        }
        // Written by this process since the last sync: complete in memory.
        if self.pending().contains(digest) {
            return true;
        }
        File::open(target)
            .ok()
            .and_then(|mut f| Digest::of_reader(&mut f).ok())
            .is_some_and(|(d, n)| d == *digest && n == size)
    }

    /// One `syncfs(2)` on the file system holding the blobs: every blob
    /// written and every directory entry made, whatever their number.
    #[cfg(target_os = "linux")]
    fn sync_pending(&self, _pending: &HashSet<Digest>) -> Result<()> {
        let dir = File::open(&self.root).at(&self.root, "open")?;
        rustix::fs::syncfs(&dir).map_err(|e| Error::io(&self.root, "sync the file system of", e.into()))
    }

    /// Without `syncfs`: each blob, then each directory that got a name.
    #[cfg(not(target_os = "linux"))]
    fn sync_pending(&self, pending: &HashSet<Digest>) -> Result<()> {
        let mut dirs = std::collections::BTreeSet::new();
        for digest in pending {
            let path = self.path_of(digest);
            File::open(&path).and_then(|f| f.sync_all()).at(&path, "sync")?;
            if let Some(parent) = path.parent() {
                dirs.insert(parent.to_path_buf());
            }
        }
        dirs.insert(self.root.clone());
        dirs.iter().try_for_each(|d| sync_dir(d))
    }

    pub fn path_of(&self, digest: &Digest) -> PathBuf {
        let hex = digest.to_hex();
        self.root.join(&hex[..2]).join(hex)
    }
}

impl BlobStore for FsStore {
    fn writer(&self) -> Result<Box<dyn BlobWriter + '_>> {
        fs::create_dir_all(&self.tmp).at(&self.tmp, "create directory")?;
        let file = tempfile::Builder::new()
            .prefix("blob-")
            .tempfile_in(&self.tmp)
            .at(&self.tmp, "create a temporary file in")?;
        Ok(Box::new(FsBlobWriter {
            store: self,
            file,
            hasher: Hasher::new(),
        }))
    }

    fn open(&self, digest: &Digest) -> Result<Box<dyn Read + '_>> {
        let path = self.path_of(digest);
        let file = File::open(&path).at(&path, "open blob")?;
        Ok(Box::new(file))
    }

    fn inventory(&self) -> Result<Inventory> {
        let mut inv = Inventory::default();
        for fan in read_dir_sorted(&self.root)? {
            let name = fan.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !fan.is_dir() || name.len() != 2 {
                inv.strays.push(fan);
                continue;
            }
            for path in read_dir_sorted(&fan)? {
                let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let digest = file_name
                    .parse::<Digest>()
                    .ok()
                    .filter(|d| d.to_hex() == file_name && file_name.starts_with(name));
                match digest {
                    Some(d) if path.is_file() => inv.blobs.push(d),
                    _ => inv.strays.push(path),
                }
            }
        }
        Ok(inv)
    }

    fn describe(&self, digest: &Digest) -> String {
        self.path_of(digest).display().to_string()
    }

    fn sync(&self) -> Result<()> {
        let mut pending = self.pending();
        if pending.is_empty() {
            return Ok(());
        }
        self.sync_pending(&pending)?;
        pending.clear();
        Ok(())
    }
}

/// The entries of a directory, sorted so that reports are stable; an
/// absent directory is empty.
pub fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>> {
    let iter = match fs::read_dir(dir) {
        Ok(it) => it,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, "list directory", e)),
    };
    let mut out = Vec::new();
    for entry in iter {
        out.push(entry.at(dir, "list directory")?.path());
    }
    out.sort();
    Ok(out)
}

struct FsBlobWriter<'a> {
    store: &'a FsStore,
    file: tempfile::NamedTempFile,
    hasher: Hasher,
}

impl BlobWriter for FsBlobWriter<'_> {
    fn append(&mut self, bytes: &[u8]) -> Result<()> {
        self.hasher.update(bytes);
        let path = self.file.path().to_path_buf();
        self.file.write_all(bytes).at(path, "write")
    }

    fn finish(self: Box<Self>) -> Result<Stored> {
        let FsBlobWriter { store, file, hasher } = *self;
        let (digest, size) = hasher.finish();
        let target = store.path_of(&digest);
        // Identical bytes are stored once. Other bytes under the same name
        // were damaged, or lost in a crash before a sync: the fresh copy
        // replaces them.
        if store.holds(&target, &digest, size) {
            return Ok(Stored {
                digest,
                size,
                new: false,
            });
        }
        let tmp_path = file.path().to_path_buf();
        failpoint::hit("blob-written");
        set_mode(&tmp_path, READ_ONLY)?;
        let parent = target.parent().expect("a blob path has a fan-out directory");
        fs::create_dir_all(parent).at(parent, "create directory")?;
        file.persist(&target)
            .map_err(|e| Error::io(&target, "move blob into place", e.error))?;
        store.pending().insert(digest);
        failpoint::hit("blob-renamed");
        Ok(Stored {
            digest,
            size,
            new: true,
        })
    }
}

/// Makes a directory's entries durable (a rename is not, until then).
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .at(dir, "sync directory")
}

/// Blobs are evidence: nobody may write them, anybody may read them.
pub const READ_ONLY: u32 = 0o444;
/// Metadata files, replaced whole, never edited in place.
pub const READ_WRITE: u32 = 0o644;

/// Sets a file's permission bits (on Unix; elsewhere only read-only-ness).
pub fn set_mode(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    let perms = {
        use std::os::unix::fs::PermissionsExt;
        fs::Permissions::from_mode(mode)
    };
    #[cfg(not(unix))]
    let perms = {
        let mut p = fs::metadata(path).at(path, "inspect")?.permissions();
        p.set_readonly(mode & 0o200 == 0);
        p
    };
    fs::set_permissions(path, perms).at(path, "set permissions of")
}
