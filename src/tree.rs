//! The tree file: every stored node hash of the log's Merkle tree, 32 raw
//! bytes each, in the post-order layout of [`merkle::stored_index`], no
//! header. It is derived from the log and can always be rebuilt from it;
//! the log stays the source of truth. Appending a leaf only appends to the
//! file, so a crash can leave no more than a torn tail, which is ignored
//! when reading and cut off by the next append.
//!
//! The caller decides where the file lives and when it is written, and
//! holds whatever lock that needs.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};
use crate::merkle::{self, Frontier, Hash, Nodes, stored_count, stored_index};

const HASH: u64 = 32;

/// The tree file of one log.
#[derive(Debug)]
pub struct TreeFile {
    path: PathBuf,
    /// None while the file does not exist.
    file: Option<File>,
    /// Whether `file` was opened for writing: readers open it read-only so
    /// that they work on an archive they may not write.
    writable: bool,
    /// Leaves whose hashes are all in the file, as of the last open or
    /// write by this handle.
    size: u64,
}

/// The largest tree whose stored hashes fit in `len` bytes.
fn size_for_len(len: u64) -> u64 {
    let count = len / HASH;
    // stored_count(n) >= n and grows strictly, so search [0, count].
    let (mut lo, mut hi) = (0, count);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if stored_count(mid) <= count {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

fn file_len(file: &File, path: &Path) -> Result<u64> {
    Ok(file.metadata().at(path, "read the size of")?.len())
}

impl TreeFile {
    /// Opens the tree file at `path` for reading; an absent file is the
    /// empty tree, and is not created.
    pub fn open(path: &Path) -> Result<TreeFile> {
        let (file, size) = match File::open(path) {
            Ok(file) => {
                let size = size_for_len(file_len(&file, path)?);
                (Some(file), size)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => (None, 0),
            Err(e) => return Err(Error::io(path, "open", e)),
        };
        Ok(TreeFile {
            path: path.to_path_buf(),
            file,
            writable: false,
            size,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of leaves whose hashes, and all their parents', are in
    /// the file; a torn tail does not count.
    pub fn size(&self) -> u64 {
        self.size
    }

    fn writable_file(&mut self) -> Result<&File> {
        let file = match self.file.take() {
            Some(file) if self.writable => file,
            read_only => {
                let opened = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&self.path);
                match opened {
                    Ok(file) => {
                        self.writable = true;
                        file
                    }
                    Err(e) => {
                        // Keep reading through the old handle.
                        self.file = read_only;
                        return Err(Error::io(&self.path, "open", e));
                    }
                }
            }
        };
        Ok(self.file.insert(file))
    }

    /// Appends `leaves` (leaf hashes) and every parent they complete, in
    /// one write followed by `sync_data`. Creates the file if needed and
    /// first cuts off a torn tail left by a crash.
    pub fn append(&mut self, leaves: &[Hash]) -> Result<()> {
        let path = self.path.clone();
        let file = self.writable_file()?;
        // The length now, not as of open: another handle may have appended
        // or left a torn tail since.
        let len = file_len(file, &path)?;
        let size = size_for_len(len);
        let end = stored_count(size) * HASH;
        if len > end {
            file.set_len(end).at(&path, "truncate the torn tail of")?;
        }
        self.size = size;
        let mut frontier = Frontier::from_nodes(self, size)?;
        // Each leaf adds itself and, on average, one parent.
        let mut bytes = Vec::with_capacity((leaves.len() * 2 + 64) * HASH as usize);
        for leaf in leaves {
            frontier.push_each(*leaf, |h| bytes.extend_from_slice(h));
        }
        let file = self.writable_file()?;
        file.write_all_at(&bytes, end).at(&path, "write")?;
        file.sync_data().at(&path, "sync")?;
        self.size = frontier.size();
        Ok(())
    }

    /// Shortens the tree to its first `size` leaves (after the log was
    /// rolled back), cutting any torn tail too.
    pub fn truncate(&mut self, size: u64) -> Result<()> {
        if size > self.size {
            return Err(self.beyond(size));
        }
        if self.file.is_none() {
            return Ok(());
        }
        let path = self.path.clone();
        let file = self.writable_file()?;
        file.set_len(stored_count(size) * HASH).at(&path, "truncate")?;
        file.sync_data().at(&path, "sync")?;
        self.size = size;
        Ok(())
    }

    /// Writes the tree of `leaves` to `path` afresh, through a temporary
    /// file in the same directory renamed over it, so that a reader sees
    /// the old file or the new one. Streams: memory is the O(log n)
    /// frontier and a buffer, whatever the number of leaves.
    /// The new file is written in `tmp_dir` (on the same file system, where
    /// a rebuild killed midway leaves it for `verify --repair` to find).
    pub fn rebuild(path: &Path, tmp_dir: &Path, leaves: impl IntoIterator<Item = Hash>) -> Result<TreeFile> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix("tree-")
            .tempfile_in(tmp_dir)
            .at(tmp_dir, "create a temporary file in")?;
        let tmp_path = tmp.path().to_path_buf();
        let mut out = BufWriter::with_capacity(256 << 10, tmp);
        let mut frontier = Frontier::new();
        let mut scratch = Vec::with_capacity(65 * HASH as usize);
        for leaf in leaves {
            scratch.clear();
            frontier.push_each(leaf, |h| scratch.extend_from_slice(h));
            out.write_all(&scratch).at(&tmp_path, "write")?;
        }
        let tmp = out
            .into_inner()
            .map_err(|e| Error::io(&tmp_path, "write", e.into_error()))?;
        tmp.as_file().sync_data().at(&tmp_path, "sync")?;
        // tempfile creates files 0600; the tree is as readable as the log.
        crate::store::set_mode(&tmp_path, crate::store::READ_WRITE)?;
        tmp.persist(path)
            .map_err(|e| Error::io(path, "replace", e.error))?;
        crate::store::sync_dir(dir)?;
        TreeFile::open(path)
    }

    fn beyond(&self, size: u64) -> Error {
        Error::bad_archive(
            &self.path,
            format!(
                "the tree file holds the hashes of {} leaves, not {size}",
                self.size
            ),
        )
    }

    fn bad_request(&self, err: merkle::ProofError) -> Error {
        Error::Usage(format!("{}: {err}", self.path.display()))
    }

    /// The root of the tree of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Hash> {
        if size > self.size {
            return Err(self.beyond(size));
        }
        merkle::root(self, size)
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>> {
        merkle::check_inclusion(index, size).map_err(|e| self.bad_request(e))?;
        if size > self.size {
            return Err(self.beyond(size));
        }
        merkle::inclusion_proof(self, index, size)
    }

    /// The consistency proof from the tree of `old` leaves to that of `new`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        merkle::check_consistency(old, new).map_err(|e| self.bad_request(e))?;
        if new > self.size {
            return Err(self.beyond(new));
        }
        merkle::consistency_proof(self, old, new)
    }
}

impl Nodes for TreeFile {
    type Error = Error;

    fn node(&self, level: u32, index: u64) -> Result<Hash> {
        let exists = level < 64 && index < self.size >> level;
        let file = match &self.file {
            Some(file) if exists => file,
            _ => {
                return Err(Error::bad_archive(
                    &self.path,
                    format!(
                        "no node at level {level}, index {index} in a tree file of {} leaves",
                        self.size
                    ),
                ));
            }
        };
        let mut hash = [0; 32];
        file.read_exact_at(&mut hash, stored_index(level, index) * HASH)
            .at(&self.path, "read")?;
        Ok(hash)
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::merkle::{MemTree, empty_root, leaf_hash, node_hash, verify_consistency, verify_inclusion};

    const N: usize = 70;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
            .collect()
    }

    /// RFC 6962 section 2.1, recursively, independent of `merkle`.
    fn naive_mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = n.next_power_of_two() / 2;
                node_hash(&naive_mth(&leaves[..k]), &naive_mth(&leaves[k..]))
            }
        }
    }

    /// The file of the first `n` leaves appended one at a time.
    fn one_at_a_time(dir: &Path, all: &[Hash]) -> Vec<Vec<u8>> {
        let path = dir.join("one");
        let mut tree = TreeFile::open(&path).unwrap();
        let mut files = vec![Vec::new()];
        for leaf in all {
            tree.append(std::slice::from_ref(leaf)).unwrap();
            files.push(fs::read(&path).unwrap());
        }
        files
    }

    #[test]
    fn absent_file_is_the_empty_tree() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tree");
        let tree = TreeFile::open(&path).unwrap();
        assert_eq!(tree.size(), 0);
        assert_eq!(tree.root(0).unwrap(), empty_root());
        assert!(tree.root(1).is_err());
        assert!(tree.node(0, 0).is_err());
        assert!(!path.exists(), "open must not create the file");
        let mut tree = tree;
        tree.truncate(0).unwrap();
        assert!(!path.exists());
        tree.append(&[]).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"");
    }

    #[test]
    fn every_size_gives_the_rfc_root_and_proofs() {
        let dir = tempfile::tempdir().unwrap();
        let all = leaves(N);
        let files = one_at_a_time(dir.path(), &all);
        let mem = MemTree::new(all.clone());
        for n in 0..=N {
            let size = n as u64;
            assert_eq!(files[n].len() as u64, stored_count(size) * 32);
            // Reopen a copy so that each size is read as a fresh file would be.
            let path = dir.path().join(format!("size-{n}"));
            fs::write(&path, &files[n]).unwrap();
            let tree = TreeFile::open(&path).unwrap();
            assert_eq!(tree.size(), size);
            let root = tree.root(size).unwrap();
            assert_eq!(root, naive_mth(&all[..n]), "root of {n}");
            assert_eq!(Frontier::from_nodes(&tree, size).unwrap().root(), root);
            assert!(tree.root(size + 1).is_err());
            for i in 0..size {
                let proof = tree.inclusion_proof(i, size).unwrap();
                assert_eq!(proof, merkle::inclusion_proof(&mem, i, size).unwrap());
                verify_inclusion(&all[i as usize], i, size, &proof, &root).unwrap();
            }
            assert!(tree.inclusion_proof(size, size).is_err());
            for m in 1..=size {
                let proof = tree.consistency_proof(m, size).unwrap();
                assert_eq!(proof, merkle::consistency_proof(&mem, m, size).unwrap());
                let old = naive_mth(&all[..m as usize]);
                verify_consistency(m, size, &old, &root, &proof).unwrap();
            }
            assert!(tree.consistency_proof(0, size).is_err());
            assert!(tree.consistency_proof(1, size + 1).is_err());
            assert!(tree.node(0, size).is_err());
        }
    }

    #[test]
    fn batches_torn_tails_truncation_and_rebuild_give_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let all = leaves(N);
        let files = one_at_a_time(dir.path(), &all);
        let full = &files[N];

        for batch in [2, 3, 5, 7, 16, 64, N] {
            let path = dir.path().join(format!("batch-{batch}"));
            let mut tree = TreeFile::open(&path).unwrap();
            for chunk in all.chunks(batch) {
                tree.append(chunk).unwrap();
            }
            assert!(fs::read(&path).unwrap() == *full, "batches of {batch}");
        }

        for n in 0..N {
            // A crash in the middle of the next append: any prefix of what
            // it writes, plus a few bytes that are no whole hash.
            let next = &files[n + 1][files[n].len()..];
            for cut in [1, 31, 32, 33, next.len() - 1] {
                let cut = cut.min(next.len() - 1);
                let path = dir.path().join(format!("torn-{n}-{cut}"));
                let mut bytes = files[n].clone();
                bytes.extend_from_slice(&next[..cut]);
                fs::write(&path, &bytes).unwrap();
                let mut tree = TreeFile::open(&path).unwrap();
                assert_eq!(tree.size(), n as u64, "torn tail of {cut} bytes after {n} leaves");
                assert_eq!(tree.root(n as u64).unwrap(), naive_mth(&all[..n]));
                tree.append(&all[n..]).unwrap();
                assert!(
                    fs::read(&path).unwrap() == *full,
                    "torn tail of {cut} bytes after {n} leaves"
                );
            }
            // A tail torn by another handle after this one opened the file.
            let path = dir.path().join(format!("late-{n}"));
            fs::write(&path, &files[n]).unwrap();
            let mut tree = TreeFile::open(&path).unwrap();
            fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap()
                .write_all(&next[..next.len() - 1])
                .unwrap();
            tree.append(&all[n..]).unwrap();
            assert!(
                fs::read(&path).unwrap() == *full,
                "late torn tail after {n} leaves"
            );
        }

        for n in 0..=N {
            let path = dir.path().join(format!("truncated-{n}"));
            fs::write(&path, full).unwrap();
            let mut tree = TreeFile::open(&path).unwrap();
            tree.truncate(n as u64).unwrap();
            assert_eq!(tree.size(), n as u64);
            assert!(fs::read(&path).unwrap() == files[n], "truncated to {n}");
            assert!(tree.truncate(n as u64 + 1).is_err());
            tree.append(&all[n..]).unwrap();
            assert!(
                fs::read(&path).unwrap() == *full,
                "appended after truncating to {n}"
            );

            let path = dir.path().join(format!("rebuilt-{n}"));
            fs::write(&path, b"an older, different file").unwrap();
            let tree = TreeFile::rebuild(&path, dir.path(), all[..n].iter().copied()).unwrap();
            assert_eq!(tree.size(), n as u64);
            assert!(fs::read(&path).unwrap() == files[n], "rebuilt with {n} leaves");
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("tree-"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }

    #[test]
    fn larger_tree_by_batches_equals_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let all = leaves(5000);
        let streamed = dir.path().join("streamed");
        let rebuilt = TreeFile::rebuild(&streamed, dir.path(), all.iter().copied()).unwrap();
        let path = dir.path().join("batched");
        let mut tree = TreeFile::open(&path).unwrap();
        for chunk in all.chunks(999) {
            tree.append(chunk).unwrap();
        }
        assert!(fs::read(&path).unwrap() == fs::read(&streamed).unwrap());
        let size = all.len() as u64;
        let root = naive_mth(&all);
        assert_eq!(rebuilt.root(size).unwrap(), root);
        for i in [0, 1, 2047, 2048, 4095, 4096, 4999] {
            let proof = tree.inclusion_proof(i, size).unwrap();
            verify_inclusion(&all[i as usize], i, size, &proof, &root).unwrap();
        }
        let old = tree.root(3000).unwrap();
        let proof = tree.consistency_proof(3000, size).unwrap();
        verify_consistency(3000, size, &old, &root, &proof).unwrap();
    }

    #[test]
    fn size_ignores_a_torn_tail() {
        for n in 0..200 {
            let len = stored_count(n) * 32;
            assert_eq!(size_for_len(len), n);
            // Anything short of the next leaf's complete hashes.
            assert_eq!(size_for_len(stored_count(n + 1) * 32 - 1), n);
            assert_eq!(size_for_len(len + 31), n);
        }
    }
}
