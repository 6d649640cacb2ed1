//! An archive directory: where it is, how it is created and opened, and
//! the lock that keeps writers apart. The layout is in docs/ARCHITECTURE.md.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::entry::{Body, FORMAT_VERSION, Head, Init, Marker, Tool};
use crate::error::{Error, IoContext, Result};
use crate::log::{Log, write_atomic};
use crate::store::{BlobStore, FsStore, set_mode, sync_dir};

pub const MARKER: &str = "provenance.json";
pub const LOG: &str = "log.jsonl";
pub const HEAD: &str = "head.json";
pub const BLOBS: &str = "blobs/sha256";
pub const TMP: &str = "tmp";
pub const LOCK: &str = "lock";
pub const TREE: &str = "tree.hashes";
pub const KEY_PUB: &str = "key.pub";
pub const CHECKPOINTS: &str = "checkpoints";
pub const INDEX: &str = "index.sqlite";
pub const INDEX_LOCK: &str = "index.lock";

/// The directory used when neither `--archive` nor `PROVENANCE_ARCHIVE`
/// names one.
pub const DEFAULT_DIR: &str = "archive";

/// An archive directory is as readable as the files in it.
const DIR_MODE: u32 = 0o755;

pub struct Archive {
    root: PathBuf,
    store: FsStore,
    log: Log,
}

/// Held while writing (exclusive) or while reading the log's unfinished
/// tail (shared); released when dropped or when the process dies.
pub struct Lock {
    _file: Option<File>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    Shared,
    Exclusive,
}

impl Archive {
    fn at(root: &Path) -> Archive {
        let root = root.to_path_buf();
        Archive {
            store: FsStore::new(root.join(BLOBS), root.join(TMP)),
            log: Log::new(root.join(LOG), root.join(HEAD), root.join(TREE), root.join(TMP)),
            root,
        }
    }

    /// Opens an existing archive, refusing anything that is not one.
    pub fn open(root: &Path) -> Result<Archive> {
        match fs::metadata(root) {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(Error::NoArchive(root.to_path_buf()));
            }
            Err(e) => return Err(Error::io(root, "open archive", e)),
            Ok(m) if !m.is_dir() => return Err(Error::NotAnArchive(root.to_path_buf())),
            Ok(_) => {}
        }
        let marker_path = root.join(MARKER);
        let bytes = match fs::read(&marker_path) {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(if is_empty_dir(root)? {
                    Error::NoArchive(root.to_path_buf())
                } else {
                    Error::NotAnArchive(root.to_path_buf())
                });
            }
            r => r.at(&marker_path, "read")?,
        };
        let marker: Marker = serde_json::from_slice(&bytes)
            .map_err(|e| Error::bad_archive(&marker_path, format!("not a valid archive marker: {e}")))?;
        if marker.format != Marker::FORMAT {
            return Err(Error::NotAnArchive(root.to_path_buf()));
        }
        if marker.version > FORMAT_VERSION {
            return Err(Error::bad_archive(
                root,
                format!(
                    "archive format {} is newer than this tool understands ({FORMAT_VERSION}); upgrade provenance",
                    marker.version
                ),
            ));
        }
        Ok(Archive::at(root))
    }

    /// Creates an archive in a directory that is absent or empty.
    ///
    /// The archive is built in a staging directory beside `root` and
    /// renamed into place, so that it appears whole or not at all, and of
    /// two processes creating it at once exactly one succeeds.
    pub fn init(root: &Path) -> Result<Archive> {
        if root.join(MARKER).exists() {
            return Err(Error::AlreadyAnArchive(root.to_path_buf()));
        }
        if root.exists() && !is_empty_dir(root)? {
            return Err(Error::NotAnArchive(root.to_path_buf()));
        }
        let parent = match root.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).at(&parent, "create directory")?;
        let staging = tempfile::Builder::new()
            .prefix(".provenance-init-")
            .tempdir_in(&parent)
            .at(&parent, "create a staging directory in")?;
        Archive::build(staging.path())?;
        set_mode(staging.path(), DIR_MODE)?;
        match fs::rename(staging.path(), root) {
            Ok(()) => {
                // The staging directory is now the archive: nothing to clean.
                let _ = staging.keep();
                sync_dir(&parent)?;
                Ok(Archive::at(root))
            }
            Err(_) if root.join(MARKER).exists() => Err(Error::AlreadyAnArchive(root.to_path_buf())),
            Err(e) if root.exists() && !is_empty_dir(root)? => {
                drop(e);
                Err(Error::NotAnArchive(root.to_path_buf()))
            }
            Err(e) => Err(Error::io(root, "create archive", e)),
        }
    }

    /// Writes a complete archive into an empty directory.
    fn build(dir: &Path) -> Result<()> {
        let archive = Archive::at(dir);
        for sub in [dir.join(BLOBS), dir.join(TMP)] {
            fs::create_dir_all(&sub).at(&sub, "create directory")?;
        }
        let lock = archive.lock(LockMode::Exclusive)?;
        archive.log.write_head(&Head::empty())?;
        let mut append = archive.log.begin(&lock, &archive.store)?;
        append.push(Body::Init(Init {
            archive_id: random_id()?,
            format: FORMAT_VERSION,
            tool: Tool::this(),
        }));
        append.commit()?;
        let marker = serde_json::to_vec_pretty(&Marker::current()).expect("marker serialises");
        write_atomic(&dir.join(MARKER), &dir.join(TMP), &marker)
    }

    /// Opens the archive, creating it when the directory is absent or
    /// empty; says whether this call created it. Another process creating
    /// it at the same moment is no error: both then use the one archive.
    pub fn open_or_init(root: &Path) -> Result<(Archive, bool)> {
        match Archive::open(root) {
            Ok(a) => Ok((a, false)),
            Err(Error::NoArchive(_)) => match Archive::init(root) {
                Ok(a) => Ok((a, true)),
                Err(Error::AlreadyAnArchive(_)) => Ok((Archive::open(root)?, false)),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn store(&self) -> &dyn BlobStore {
        &self.store
    }

    pub fn log(&self) -> &Log {
        &self.log
    }

    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join(TMP)
    }

    /// Takes the archive's lock, waiting (and saying so on stderr) while
    /// another process holds it.
    pub fn lock(&self, mode: LockMode) -> Result<Lock> {
        self.lock_file(LOCK, mode)
    }

    /// Takes the index's own lock: the index is rebuilt and brought up to
    /// the log under it, apart from the archive's writers.
    pub fn index_lock(&self, mode: LockMode) -> Result<Lock> {
        self.lock_file(INDEX_LOCK, mode)
    }

    fn lock_file(&self, name: &str, mode: LockMode) -> Result<Lock> {
        let path = self.root.join(name);
        let Some(file) = open_lock_file(&path, mode)? else {
            return Ok(Lock { _file: None });
        };
        let attempt = match mode {
            LockMode::Exclusive => file.try_lock(),
            LockMode::Shared => file.try_lock_shared(),
        };
        match attempt {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                eprintln!(
                    "provenance: waiting for another provenance process to release {}",
                    path.display()
                );
                match mode {
                    LockMode::Exclusive => file.lock(),
                    LockMode::Shared => file.lock_shared(),
                }
                .at(&path, "lock")?;
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, "lock", e)),
        }
        Ok(Lock { _file: Some(file) })
    }
}

/// Opens the lock file. A reader of an archive it cannot write (read-only
/// media, another user's files) needs no lock, as no writer can be there
/// either: it gets `None` rather than an error.
fn open_lock_file(path: &Path, mode: LockMode) -> Result<Option<File>> {
    let writable = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path);
    match writable {
        Ok(f) => Ok(Some(f)),
        Err(e) if mode == LockMode::Shared && is_read_only(&e) => match File::open(path) {
            Ok(f) => Ok(Some(f)),
            Err(_) => Ok(None),
        },
        Err(e) => Err(Error::io(path, "open lock file", e)),
    }
}

fn is_read_only(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
    )
}

fn is_empty_dir(dir: &Path) -> Result<bool> {
    let mut it = fs::read_dir(dir).at(dir, "list directory")?;
    Ok(it.next().is_none())
}

fn random_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::Usage(format!("cannot draw a random archive ID: {e}")))?;
    Ok(hex::encode(bytes))
}
