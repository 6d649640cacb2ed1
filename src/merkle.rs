//! Merkle trees as RFC 6962 and RFC 9162 define them: the tree hash, the
//! inclusion and consistency proofs and their verification, a compact range
//! for recomputing a root while streaming, and the post-order layout in
//! which `tree` stores node hashes. Pure functions: where stored hashes come
//! from is the [`Nodes`] trait's business.
//!
//! A tree of `n` leaves is made of "perfect" subtrees: node (level `k`,
//! index `j`) is the hash of the 2^k leaves starting at leaf `j * 2^k`.
//! Every hash RFC 6962's recursion needs is either such a node or a chain of
//! them along the binary digits of a range's length, which is why proofs
//! cost O(log n) look-ups (O(log² n) at worst) and never recurse.
//!
//! Sizes and indexes are `u64`; the layout arithmetic assumes trees of fewer
//! than 2^62 leaves, which no file can hold anyway.

use sha2::{Digest, Sha256};

/// A SHA-256 hash: of a leaf, an interior node or a whole tree.
pub type Hash = [u8; 32];

/// The hash of a leaf: SHA-256(0x00 || data). The prefix keeps a leaf from
/// ever passing for an interior node (second pre-image attacks).
pub fn leaf_hash(data: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([0x00])
        .chain_update(data)
        .finalize()
        .into()
}

/// [`leaf_hash`] of data that arrives in pieces (a log line streamed in
/// bounded memory).
#[derive(Clone)]
pub struct LeafHasher(Sha256);

impl LeafHasher {
    pub fn new() -> LeafHasher {
        LeafHasher(Sha256::new().chain_update([0x00]))
    }

    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub fn finish(self) -> Hash {
        self.0.finalize().into()
    }
}

impl Default for LeafHasher {
    fn default() -> LeafHasher {
        LeafHasher::new()
    }
}

/// The hash of an interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::new()
        .chain_update([0x01])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

/// The root of the tree of no leaves: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Where the hashes of perfect subtrees come from (memory, a file, ...).
pub trait Nodes {
    type Error;
    /// The hash of the perfect subtree of 2^`level` leaves that starts at
    /// leaf `index * 2^level`; level 0 is the leaf hashes.
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

impl<N: Nodes + ?Sized> Nodes for &N {
    type Error = N::Error;
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        (**self).node(level, index)
    }
}

/// Why a proof does not hold, or why one cannot be asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is beyond a tree of {size} leaves")]
    IndexBeyondSize { index: u64, size: u64 },
    #[error("the proof has {got} hashes where one for these sizes has {want}")]
    WrongProofLength { got: usize, want: usize },
    #[error("the inclusion proof leads to another root than the one given")]
    RootMismatch,
    #[error("the consistency proof leads to another old root than the one given")]
    OldRootMismatch,
    #[error("the consistency proof leads to another new root than the one given")]
    NewRootMismatch,
    #[error("both trees have {size} leaves but their roots differ")]
    EqualSizesDifferentRoots { size: u64 },
    #[error("a consistency proof from the empty tree proves nothing")]
    FromEmptyTree,
    #[error("the old tree size {old} is larger than the new size {new}")]
    OldLargerThanNew { old: u64, new: u64 },
}

/// The number of the level of the largest power of two in `n` (n > 0).
fn top_level(n: u64) -> u32 {
    63 - n.leading_zeros()
}

/// The largest power of two smaller than `n` (n > 1): where RFC 6962
/// splits a tree of `n` leaves.
fn split(n: u64) -> u64 {
    1 << top_level(n - 1)
}

/// MTH(D[start:end]) for a range RFC 6962's recursion produces: `start` a
/// multiple of the largest power of two not above `end - start`. The range
/// is the perfect subtrees along the binary digits of its length, largest
/// first, hashed together from the right.
///
/// # Panics
/// If `start > end` or `start` is not so aligned: such a range is not a
/// subtree of the log's tree, so its hash is nowhere stored.
pub fn subtree_root<N: Nodes + ?Sized>(nodes: &N, start: u64, end: u64) -> Result<Hash, N::Error> {
    assert!(start <= end, "subtree [{start}, {end}) is reversed");
    let n = end - start;
    if n == 0 {
        return Ok(empty_root());
    }
    assert!(
        start.trailing_zeros() >= top_level(n),
        "subtree [{start}, {end}) is not aligned as RFC 6962 splits a tree"
    );
    let mut acc: Option<Hash> = None;
    let mut piece_end = end;
    for level in 0..=top_level(n) {
        if n >> level & 1 == 1 {
            let piece_start = piece_end - (1 << level);
            let h = nodes.node(level, piece_start >> level)?;
            acc = Some(match acc {
                None => h,
                Some(right) => node_hash(&h, &right),
            });
            piece_end = piece_start;
        }
    }
    Ok(acc.unwrap_or_else(empty_root))
}

/// MTH of the first `size` leaves.
pub fn root<N: Nodes + ?Sized>(nodes: &N, size: u64) -> Result<Hash, N::Error> {
    subtree_root(nodes, 0, size)
}

/// The hash of the perfect subtree [start, start + width) (width a power of
/// two that divides start): one look-up.
fn perfect<N: Nodes + ?Sized>(nodes: &N, start: u64, width: u64) -> Result<Hash, N::Error> {
    let level = width.trailing_zeros();
    nodes.node(level, start >> level)
}

/// PATH(index, D[0:size]) of RFC 9162 section 2.1.3.1, the sibling nearest
/// the leaf first.
///
/// # Panics
/// If `index >= size` (see [`check_inclusion`]).
pub fn inclusion_proof<N: Nodes + ?Sized>(nodes: &N, index: u64, size: u64) -> Result<Vec<Hash>, N::Error> {
    assert!(index < size, "leaf {index} is beyond a tree of {size} leaves");
    // The recursion descends from the root and appends each sibling after
    // the deeper part of the path, so collect top-down and reverse.
    let (mut lo, mut hi) = (0, size);
    let mut path = Vec::new();
    while hi - lo > 1 {
        let k = split(hi - lo);
        if index < lo + k {
            path.push(subtree_root(nodes, lo + k, hi)?);
            hi = lo + k;
        } else {
            path.push(perfect(nodes, lo, k)?);
            lo += k;
        }
    }
    path.reverse();
    Ok(path)
}

/// PROOF(old_size, D[0:new_size]) of RFC 9162 section 2.1.4.1 (SUBPROOF
/// unrolled); empty when the sizes are equal.
///
/// # Panics
/// If `old_size` is 0 or larger than `new_size` (see [`check_consistency`]).
pub fn consistency_proof<N: Nodes + ?Sized>(
    nodes: &N,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, N::Error> {
    assert!(
        0 < old_size && old_size <= new_size,
        "no consistency proof from {old_size} to {new_size} leaves"
    );
    let (mut lo, mut hi) = (0, new_size);
    // `whole` is SUBPROOF's b: true while the old tree is a prefix of the
    // current subtree that starts at leaf 0, whose root the verifier has.
    let mut whole = true;
    let mut siblings = Vec::new();
    while old_size < hi {
        let k = split(hi - lo);
        if old_size - lo <= k {
            siblings.push(subtree_root(nodes, lo + k, hi)?);
            hi = lo + k;
        } else {
            siblings.push(perfect(nodes, lo, k)?);
            lo += k;
            whole = false;
        }
    }
    let mut proof = Vec::with_capacity(siblings.len() + 1);
    if !whole {
        proof.push(subtree_root(nodes, lo, hi)?);
    }
    proof.extend(siblings.into_iter().rev());
    Ok(proof)
}

/// Whether [`inclusion_proof`] can be asked for `index` in a tree of `size`.
pub fn check_inclusion(index: u64, size: u64) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexBeyondSize { index, size });
    }
    Ok(())
}

/// Whether [`consistency_proof`] can be asked from `old_size` to `new_size`.
pub fn check_consistency(old_size: u64, new_size: u64) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldLargerThanNew {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 {
        return Err(ProofError::FromEmptyTree);
    }
    Ok(())
}

/// The lengths of the two parts of the inclusion path of `index` in a tree
/// of `size`: the levels below the point where the path to `index` and the
/// path to the last leaf part (siblings on either side), and above it the
/// left siblings where the path runs along the right edge.
fn inclusion_parts(index: u64, size: u64) -> (u32, u32) {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner, border)
}

/// RFC 9162 section 2.1.3.2: that `proof` proves the leaf `leaf_hash` at
/// `index` in the tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    check_inclusion(index, size)?;
    // The RFC finds a wrong length only as a failed check at the end or in
    // the middle; saying which length was expected helps whoever debugs.
    let (inner, border) = inclusion_parts(index, size);
    let want = (inner + border) as usize;
    if proof.len() != want {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if s == 0 {
            return Err(ProofError::WrongProofLength {
                got: proof.len(),
                want,
            });
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 section 2.1.4.2: that `proof` proves the tree of `new_size`
/// leaves with root `new_root` extends the one of `old_size` with root
/// `old_root`. Equal sizes need an empty proof and equal roots; a proof
/// from the empty tree is refused, since any tree extends it.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    check_consistency(old_size, new_size)?;
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength {
                got: proof.len(),
                want: 0,
            });
        }
        if old_root != new_root {
            return Err(ProofError::EqualSizesDifferentRoots { size: old_size });
        }
        return Ok(());
    }
    // The old tree's rightmost perfect subtree has 2^shift leaves; the path
    // from it to the new root is an inclusion path, less the levels inside
    // it, plus its own hash unless the old tree is that subtree alone (then
    // the verifier has it already as the old root).
    let shift = old_size.trailing_zeros();
    let (inner, border) = inclusion_parts(old_size - 1, new_size);
    let whole = old_size == 1 << shift;
    let want = (inner - shift + border) as usize + usize::from(!whole);
    if proof.len() != want {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    let wrong_length = ProofError::WrongProofLength {
        got: proof.len(),
        want,
    };
    let (seed, rest) = if whole {
        (old_root, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (first, rest),
            None => return Err(wrong_length),
        }
    };
    let (mut f, mut s) = (old_size - 1, new_size - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*seed, *seed);
    for c in rest {
        if s == 0 {
            return Err(wrong_length);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(wrong_length);
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

/// The compact range [0, size) of an in-order scan: the roots of the
/// perfect subtrees along the binary digits of `size`, largest first. It
/// is all one needs to extend the tree and to know its root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// One hash per set bit of `size`, from the highest bit down.
    stack: Vec<Hash>,
}

impl Frontier {
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// The frontier of the first `size` leaves of a stored tree, in
    /// popcount(size) look-ups.
    pub fn from_nodes<N: Nodes + ?Sized>(nodes: &N, size: u64) -> Result<Frontier, N::Error> {
        let mut stack = Vec::with_capacity(size.count_ones() as usize);
        let mut start = 0;
        for level in (0..64).rev() {
            if size >> level & 1 == 1 {
                stack.push(nodes.node(level, start >> level)?);
                start += 1 << level;
            }
        }
        Ok(Frontier { size, stack })
    }

    /// The number of leaves pushed (or loaded).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds the next leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        self.push_each(leaf, |_| {});
    }

    /// Adds the next leaf hash and hands `stored` that hash and then every
    /// parent it completes, bottom up: exactly the hashes the post-order
    /// layout appends for this leaf, in its order.
    pub fn push_each(&mut self, leaf: Hash, mut stored: impl FnMut(&Hash)) {
        stored(&leaf);
        // Each trailing one bit of the old size is a perfect subtree of the
        // same size as the one just completed on its right: merge them.
        let merges = self.size.trailing_ones() as usize;
        let keep = self.stack.len() - merges;
        let mut h = leaf;
        for left in self.stack.drain(keep..).rev() {
            h = node_hash(&left, &h);
            stored(&h);
        }
        self.stack.push(h);
        self.size += 1;
    }

    /// MTH of everything pushed so far.
    pub fn root(&self) -> Hash {
        let mut hashes = self.stack.iter().rev();
        match hashes.next() {
            None => empty_root(),
            Some(last) => hashes.fold(*last, |right, left| node_hash(left, &right)),
        }
    }
}

/// The number of node hashes the post-order layout stores for a tree of
/// `size` leaves: each leaf and each perfect subtree of two or more leaves,
/// `size + size/2 + size/4 + ...` = 2·size − popcount(size).
pub fn stored_count(size: u64) -> u64 {
    2 * size - u64::from(size.count_ones())
}

/// The position of node (`level`, `index`) in the post-order layout (Go's
/// golang.org/x/mod/sumdb/tlog StoredHashIndex): a node is written right
/// after its last leaf and the `level - 1` parents below it that this leaf
/// completes, so each new leaf only appends.
pub fn stored_index(level: u32, index: u64) -> u64 {
    let last_leaf = ((index + 1) << level) - 1;
    stored_count(last_leaf) + u64::from(level)
}

/// A node that a [`MemTree`] does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no node at level {level}, index {index} in a tree of {size} leaves")]
pub struct MissingNode {
    pub level: u32,
    pub index: u64,
    pub size: u64,
}

/// Every perfect subtree of a list of leaves, in memory: for tests and for
/// small trees.
#[derive(Debug, Clone, Default)]
pub struct MemTree {
    /// `levels[k][j]` is node (k, j); level 0 is the leaf hashes.
    levels: Vec<Vec<Hash>>,
}

impl MemTree {
    pub fn new(leaves: Vec<Hash>) -> MemTree {
        let mut tree = MemTree {
            levels: vec![Vec::new()],
        };
        for leaf in leaves {
            tree.push(leaf);
        }
        tree
    }

    /// Appends a leaf hash and the parents it completes.
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(h);
            let row = &self.levels[level];
            if row.len() % 2 == 1 {
                break;
            }
            h = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            level += 1;
        }
    }

    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }
}

impl Nodes for MemTree {
    type Error = MissingNode;
    fn node(&self, level: u32, index: u64) -> Result<Hash, MissingNode> {
        self.levels
            .get(level as usize)
            .and_then(|row| row.get(usize::try_from(index).ok()?))
            .copied()
            .ok_or(MissingNode {
                level,
                index,
                size: self.size(),
            })
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use serde_json::Value;

    use super::*;

    /// MTH straight from RFC 6962 section 2.1, recursively.
    fn naive_mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&naive_mth(&leaves[..k]), &naive_mth(&leaves[k..]))
            }
        }
    }

    /// PATH(m, D[n]) straight from RFC 9162 section 2.1.3.1.
    fn naive_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        let n = leaves.len();
        if n == 1 {
            return Vec::new();
        }
        let k = split(n as u64) as usize;
        if m < k {
            let mut p = naive_path(m, &leaves[..k]);
            p.push(naive_mth(&leaves[k..]));
            p
        } else {
            let mut p = naive_path(m - k, &leaves[k..]);
            p.push(naive_mth(&leaves[..k]));
            p
        }
    }

    /// SUBPROOF(m, D[n], b) straight from RFC 9162 section 2.1.4.1.
    fn naive_subproof(m: usize, leaves: &[Hash], b: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if b { Vec::new() } else { vec![naive_mth(leaves)] };
        }
        let k = split(n as u64) as usize;
        if m <= k {
            let mut p = naive_subproof(m, &leaves[..k], b);
            p.push(naive_mth(&leaves[k..]));
            p
        } else {
            let mut p = naive_subproof(m - k, &leaves[k..], false);
            p.push(naive_mth(&leaves[..k]));
            p
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn leaf_hasher_matches_leaf_hash() {
        let mut h = LeafHasher::new();
        h.update(b"\x20");
        h.update(b"");
        h.update(b"\x21");
        assert_eq!(h.finish(), leaf_hash(b"\x20\x21"));
        assert_eq!(LeafHasher::default().finish(), leaf_hash(b""));
    }

    #[test]
    fn known_answers() {
        // RFC 6962's test vectors (also in transparency-dev/merkle).
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        let data: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        let want = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let hashes: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
        let tree = MemTree::new(hashes.clone());
        for (n, want) in want.iter().enumerate() {
            assert_eq!(hex::encode(naive_mth(&hashes[..=n])), *want, "size {}", n + 1);
            assert_eq!(
                hex::encode(root(&tree, n as u64 + 1).unwrap()),
                *want,
                "size {}",
                n + 1
            );
        }
    }

    #[test]
    fn proofs_match_the_rfc_and_verify() {
        let all = leaves(70);
        let tree = MemTree::new(all.clone());
        let mut frontier = Frontier::new();
        for n in 0..=all.len() {
            let d = &all[..n];
            let want = naive_mth(d);
            let size = n as u64;
            assert_eq!(root(&tree, size).unwrap(), want, "root of {n}");
            assert_eq!(frontier.size(), size);
            assert_eq!(frontier.root(), want, "frontier root of {n}");
            assert_eq!(Frontier::from_nodes(&tree, size).unwrap(), frontier);
            if n < all.len() {
                frontier.push(all[n]);
            }
            for i in 0..n {
                let proof = inclusion_proof(&tree, i as u64, size).unwrap();
                assert_eq!(proof, naive_path(i, d), "PATH({i}, {n})");
                verify_inclusion(&d[i], i as u64, size, &proof, &want).unwrap();
                // The same proof must fail for any other leaf, index or root.
                let other = (i + 1) % n;
                if other != i {
                    assert!(verify_inclusion(&d[other], i as u64, size, &proof, &want).is_err());
                    assert!(verify_inclusion(&d[i], other as u64, size, &proof, &want).is_err());
                }
                let wrong_root = node_hash(&want, &want);
                assert!(verify_inclusion(&d[i], i as u64, size, &proof, &wrong_root).is_err());
                for j in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[j][j % 32] ^= 1;
                    assert!(verify_inclusion(&d[i], i as u64, size, &bad, &want).is_err());
                }
            }
            for m in 1..=n {
                let old = naive_mth(&all[..m]);
                let proof = consistency_proof(&tree, m as u64, size).unwrap();
                assert_eq!(proof, naive_subproof(m, d, true), "PROOF({m}, {n})");
                verify_consistency(m as u64, size, &old, &want, &proof).unwrap();
                for j in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[j][31 - j % 32] ^= 0x80;
                    assert!(verify_consistency(m as u64, size, &old, &want, &bad).is_err());
                }
                if m < n {
                    assert!(verify_consistency(m as u64, size, &want, &want, &proof).is_err());
                    assert!(verify_consistency(m as u64, size, &old, &old, &proof).is_err());
                    assert!(verify_consistency(m as u64, size, &old, &want, &proof[1..]).is_err());
                    assert!(verify_consistency(m as u64 + 1, size, &old, &want, &proof).is_err());
                }
            }
        }
    }

    #[test]
    fn errors_are_specific() {
        let h = leaf_hash(b"x");
        assert_eq!(
            verify_inclusion(&h, 3, 3, &[], &h),
            Err(ProofError::IndexBeyondSize { index: 3, size: 3 })
        );
        assert_eq!(
            verify_inclusion(&h, 0, 2, &[], &h),
            Err(ProofError::WrongProofLength { got: 0, want: 1 })
        );
        assert_eq!(verify_inclusion(&h, 0, 1, &[], &h), Ok(()));
        assert_eq!(
            verify_inclusion(&h, 0, 1, &[], &empty_root()),
            Err(ProofError::RootMismatch)
        );
        assert_eq!(
            verify_consistency(0, 0, &h, &h, &[]),
            Err(ProofError::FromEmptyTree)
        );
        assert_eq!(
            verify_consistency(0, 5, &h, &h, &[]),
            Err(ProofError::FromEmptyTree)
        );
        assert_eq!(
            verify_consistency(2, 1, &h, &h, &[]),
            Err(ProofError::OldLargerThanNew { old: 2, new: 1 })
        );
        assert_eq!(
            verify_consistency(4, 4, &h, &empty_root(), &[]),
            Err(ProofError::EqualSizesDifferentRoots { size: 4 })
        );
        assert_eq!(
            verify_consistency(4, 4, &h, &h, &[h]),
            Err(ProofError::WrongProofLength { got: 1, want: 0 })
        );
        assert_eq!(verify_consistency(4, 4, &h, &h, &[]), Ok(()));
        let tree = MemTree::new(leaves(3));
        assert_eq!(
            tree.node(1, 1),
            Err(MissingNode {
                level: 1,
                index: 1,
                size: 3
            })
        );
    }

    #[test]
    fn stored_layout_is_post_order() {
        // Simulate the file: append each leaf's hashes as Frontier hands
        // them over, and check every node lands where stored_index says.
        let all = leaves(70);
        let tree = MemTree::new(all.clone());
        let mut frontier = Frontier::new();
        let mut file: Vec<Hash> = Vec::new();
        for (n, leaf) in all.iter().enumerate() {
            frontier.push_each(*leaf, |h| file.push(*h));
            let size = n as u64 + 1;
            assert_eq!(file.len() as u64, stored_count(size));
            for level in 0..7 {
                for index in 0..size >> level {
                    let at = stored_index(level, index) as usize;
                    assert_eq!(file[at], tree.node(level, index).unwrap(), "({level}, {index})");
                }
            }
        }
        // Go's tlog: StoredHashIndex(0, n) and (1, 0), (2, 0), ...
        assert_eq!(
            (0..8).map(|n| stored_index(0, n)).collect::<Vec<_>>(),
            [0, 1, 3, 4, 7, 8, 10, 11]
        );
        assert_eq!(
            [stored_index(1, 0), stored_index(2, 0), stored_index(3, 0)],
            [2, 6, 14]
        );
        assert_eq!(
            [stored_count(0), stored_count(1), stored_count(2), stored_count(7)],
            [0, 1, 3, 11]
        );
    }

    /// A vector's hash: base64 that must decode to 32 bytes.
    fn hash32(v: &Value) -> Result<Hash, String> {
        let s = v.as_str().ok_or_else(|| format!("{v} is not a string"))?;
        let bytes = BASE64.decode(s).map_err(|e| format!("{s}: {e}"))?;
        Hash::try_from(bytes.as_slice()).map_err(|_| format!("{s} is {} bytes, not 32", bytes.len()))
    }

    /// A vector's root, which the suite sometimes gives as a stand-in of
    /// another length ("don't care"). Go's verifier compares roots as byte
    /// strings, so only equality matters: map each other length to a
    /// 32-byte value equal exactly when the bytes are, and that no real
    /// root can equal (short of a SHA-256 preimage).
    fn root32(v: &Value) -> Result<Hash, String> {
        let s = v.as_str().ok_or_else(|| format!("{v} is not a string"))?;
        let bytes = BASE64.decode(s).map_err(|e| format!("{s}: {e}"))?;
        Ok(Hash::try_from(bytes.as_slice()).unwrap_or_else(|_| {
            Sha256::new()
                .chain_update(b"not a hash: ")
                .chain_update(&bytes)
                .finalize()
                .into()
        }))
    }

    fn proof(v: &Value) -> Result<Vec<Hash>, String> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items.iter().map(hash32).collect(),
            _ => Err(format!("proof {v} is neither a list nor null")),
        }
    }

    fn size(v: &Value) -> Result<u64, String> {
        v.as_u64().ok_or_else(|| format!("{v} is not a u64"))
    }

    fn check_inclusion_case(case: &Value) -> Result<(), String> {
        let leaf = hash32(&case["leafHash"])?;
        verify_inclusion(
            &leaf,
            size(&case["leafIdx"])?,
            size(&case["treeSize"])?,
            &proof(&case["proof"])?,
            &root32(&case["root"])?,
        )
        .map_err(|e| e.to_string())
    }

    fn check_consistency_case(case: &Value) -> Result<(), String> {
        verify_consistency(
            size(&case["size1"])?,
            size(&case["size2"])?,
            &root32(&case["root1"])?,
            &root32(&case["root2"])?,
            &proof(&case["proof"])?,
        )
        .map_err(|e| e.to_string())
    }

    fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                json_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }

    #[test]
    fn transparency_dev_vectors() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/merkle");
        let mut counts = Vec::new();
        for (kind, check) in [
            (
                "inclusion",
                check_inclusion_case as fn(&Value) -> Result<(), String>,
            ),
            ("consistency", check_consistency_case),
        ] {
            let mut files = Vec::new();
            json_files(&base.join(kind), &mut files);
            files.sort();
            let mut failures = Vec::new();
            for file in &files {
                let case: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
                let want_err = case["wantErr"].as_bool().expect("wantErr is a boolean");
                match (check(&case), want_err) {
                    (Ok(()), true) => failures.push(format!("{}: accepted", file.display())),
                    (Err(e), false) => failures.push(format!("{}: rejected: {e}", file.display())),
                    _ => {}
                }
            }
            assert!(failures.is_empty(), "{}", failures.join("\n"));
            counts.push(files.len());
        }
        // A missing or emptied folder must not pass as "no failures".
        assert_eq!(counts, [98, 98]);
    }

    #[test]
    #[should_panic(expected = "not aligned")]
    fn unaligned_subtree_panics() {
        let tree = MemTree::new(leaves(8));
        let _ = subtree_root(&tree, 1, 3);
    }
}
