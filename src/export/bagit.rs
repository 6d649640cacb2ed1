//! BagIt export (RFC 8493): the chosen documents as the bag's payload, named
//! by their hash, with the archive's log, its newest checkpoint (and that
//! checkpoint's timestamp token), its public key and a signature over the
//! tag manifests as tag files under `provenance/`, so that `verify --bag`
//! can tie every payload file to a signed checkpoint without the archive.
//! docs/BAGIT.md has the layout and the reasons for it.

use std::collections::HashSet;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest as _, Sha256, Sha512};

use crate::archive::Archive;
use crate::checkpoint::Signed;
use crate::entry::{Body, EntryHeader, Head};
use crate::error::{Error, IoContext, Result};
use crate::hash::Digest;
use crate::log::LineReader;
use crate::merkle::{self, Frontier, Hash};
use crate::note::{Signer, Verifier};
use crate::output::count;
use crate::store::{set_mode, sync_dir};
use crate::stream::for_each_chunk;
use crate::{key, media, transparency};

pub const BAGIT_TXT_NAME: &str = "bagit.txt";
/// The declaration every bag starts with.
pub const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
pub const DATA: &str = "data";
pub const BAG_INFO: &str = "bag-info.txt";
/// Our tag files live here, apart from the ones BagIt itself defines.
pub const TAG_DIR: &str = "provenance";
pub const LOG: &str = "provenance/log.jsonl";
pub const CHECKPOINT: &str = "provenance/checkpoint";
/// Named as `checkpoint::token_path` names a checkpoint's token.
pub const TOKEN: &str = "provenance/checkpoint.tsr";
pub const KEY: &str = "provenance/key.pub";
/// The signed note over both tag manifests. It cannot list itself in the
/// tag manifests it signs, so it is the one tag file they leave out.
pub const SIGNATURE: &str = "provenance/tagmanifest.sig";
/// The first line of the signed text, so that a bag's signature can never
/// pass for a checkpoint or any other note signed by the same key.
pub const SIGNATURE_HEADER: &str = "provenance bag";

/// The checksum algorithms of every manifest and tag manifest: SHA-256,
/// the archive's own, and SHA-512, which RFC 8493 recommends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha256,
    Sha512,
}

impl Algorithm {
    pub const ALL: [Algorithm; 2] = [Algorithm::Sha256, Algorithm::Sha512];

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    pub fn manifest(self) -> String {
        format!("manifest-{}.txt", self.name())
    }

    pub fn tag_manifest(self) -> String {
        format!("tagmanifest-{}.txt", self.name())
    }
}

/// Both digests of one stream, and its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sums {
    pub sha256: [u8; 32],
    pub sha512: [u8; 64],
    pub bytes: u64,
}

impl Sums {
    pub fn hex(&self, alg: Algorithm) -> String {
        match alg {
            Algorithm::Sha256 => hex::encode(self.sha256),
            Algorithm::Sha512 => hex::encode(self.sha512),
        }
    }

    /// Hashes a stream in constant memory.
    pub fn of_reader(reader: &mut dyn Read) -> io::Result<Sums> {
        let mut h = Hashers::default();
        for_each_chunk(
            reader,
            |e| e,
            |chunk| {
                h.update(chunk);
                Ok(())
            },
        )?;
        Ok(h.finish())
    }
}

/// SHA-256 and SHA-512 at once, so that each byte is read only once.
#[derive(Default)]
struct Hashers {
    sha256: Sha256,
    sha512: Sha512,
    bytes: u64,
}

impl Hashers {
    fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.sha512.update(bytes);
        self.bytes += bytes.len() as u64;
    }

    fn finish(self) -> Sums {
        Sums {
            sha256: self.sha256.finalize().into(),
            sha512: self.sha512.finalize().into(),
            bytes: self.bytes,
        }
    }
}

/// The text the bag's signature is over: what it is, which archive, and
/// both tag manifests by their digests, as a manifest line writes them.
/// The tag manifests list every other file's digests, so this signs the
/// whole bag but the signature file.
pub fn signature_text(origin: &str, sha256_hex: &str, sha512_hex: &str) -> String {
    format!(
        "{SIGNATURE_HEADER}\n{origin}\n{sha256_hex} {}\n{sha512_hex} {}\n",
        Algorithm::Sha256.tag_manifest(),
        Algorithm::Sha512.tag_manifest()
    )
}

/// What `export --bagit` is told besides what to export.
pub struct Options {
    /// The private key file that signs the tag manifest.
    pub key: PathBuf,
    pub source_organization: Option<String>,
}

/// What `export --bagit` did, printed as is by `--json`.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub bag: String,
    /// The archive's origin, `provenance/<archive id>`.
    pub origin: String,
    /// Payload files: distinct documents.
    pub documents: u64,
    pub payload_bytes: u64,
    /// Entries of the log copied into the bag.
    pub log_entries: u64,
    /// Entries the bag's checkpoint covers; fewer than `log_entries` when
    /// entries were added after the newest checkpoint.
    pub checkpoint_size: u64,
    /// Whether the checkpoint's timestamp token is in the bag.
    pub timestamp: bool,
    /// The key the checkpoint and the bag are signed with.
    pub public_key: String,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exported {} ({}) to the bag {} with the log ({}), the checkpoint of {}{}, signed by {}",
            count(self.documents, "document", "documents"),
            count(self.payload_bytes, "byte", "bytes"),
            self.bag,
            count(self.log_entries, "entry", "entries"),
            count(self.checkpoint_size, "entry", "entries"),
            if self.timestamp { " and its timestamp" } else { "" },
            self.public_key
        )?;
        if self.checkpoint_size < self.log_entries {
            write!(
                f,
                "; the checkpoint covers {} of the {} entries, the rest only the bag's signature: run `provenance checkpoint` before exporting for one that covers them all",
                self.checkpoint_size, self.log_entries
            )?;
        }
        Ok(())
    }
}

/// One payload document: its first capture in the log decides the
/// extension, so that the name does not depend on when the bag was made.
struct Document {
    digest: Digest,
    media_type: String,
}

pub fn export(
    archive: &Archive,
    wanted: Option<&HashSet<Digest>>,
    dir: &Path,
    options: &Options,
) -> Result<Summary> {
    check_target(dir)?;
    let organization = match options.source_organization.as_deref().map(str::trim) {
        Some(o) if o.chars().any(char::is_control) => {
            return Err(Error::Usage(format!(
                "--source-organization '{}': a bag-info.txt value is one line without control characters",
                o.escape_debug()
            )));
        }
        Some("") | None => None,
        Some(o) => Some(o.to_string()),
    };
    let (signer, verifier) = keys(archive, options)?;
    let origin = transparency::origin(archive)?;
    let head = archive.log().head()?;
    let checkpoint = newest_checkpoint(archive, &head)?;
    transparency::check_signature(&checkpoint, &verifier, &origin)
        .map_err(|m| refuse(archive, m.message()))?;

    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).at(&parent, "create directory")?;
    // Built beside DIR and renamed into place, so that DIR holds a whole
    // bag or none: a crash leaves only this hidden directory behind.
    let staging = tempfile::Builder::new()
        .prefix(".provenance-bag-")
        .tempdir_in(&parent)
        .at(&parent, "create a staging directory in")?;
    let bag = staging.path();
    for sub in [DATA, TAG_DIR] {
        fs::create_dir(bag.join(sub)).at(bag.join(sub), "create directory")?;
    }

    let log_sums = copy_log(archive, &head, &bag.join(LOG))?;
    let documents = read_log(archive, &bag.join(LOG), &head, &checkpoint, wanted)?;
    let payload = write_payload(archive, &documents, bag)?;

    let mut tags: Vec<(String, Sums)> = Vec::new();
    tags.push((
        BAGIT_TXT_NAME.into(),
        write_file(&bag.join(BAGIT_TXT_NAME), BAGIT_TXT.as_bytes())?,
    ));
    let token = fs::read(checkpoint.token_path())
        .map(Some)
        .or_else(|e| match e.kind() {
            io::ErrorKind::NotFound => Ok(None),
            _ => Err(Error::io(checkpoint.token_path(), "read", e)),
        })?;
    let key_line = format!("{verifier}\n");
    let bag_size = payload.bytes
        + log_sums.bytes
        + checkpoint.bytes.len() as u64
        + token.as_ref().map_or(0, |t| t.len() as u64)
        + key_line.len() as u64;
    let info = bag_info(&BagInfo {
        organization: organization.as_deref(),
        origin: &origin,
        documents: payload.files,
        payload_bytes: payload.bytes,
        bag_size,
        log_entries: head.entries,
        checkpoint_size: checkpoint.checkpoint.size,
        key: &verifier,
    });
    tags.push((BAG_INFO.into(), write_file(&bag.join(BAG_INFO), info.as_bytes())?));
    tags.extend(payload.manifests);
    tags.push((LOG.into(), log_sums));
    tags.push((
        CHECKPOINT.into(),
        write_file(&bag.join(CHECKPOINT), &checkpoint.bytes)?,
    ));
    if let Some(token) = &token {
        tags.push((TOKEN.into(), write_file(&bag.join(TOKEN), token)?));
    }
    tags.push((KEY.into(), write_file(&bag.join(KEY), key_line.as_bytes())?));

    seal(bag, &tags, &origin, &signer, &options.key)?;

    for sub in [DATA, TAG_DIR, "."] {
        sync_dir(&bag.join(sub))?;
    }
    set_mode(bag, 0o755)?;
    crate::failpoint::hit("bag-staged");
    if let Err(e) = fs::rename(bag, dir) {
        return Err(if dir.exists() && !is_empty_dir(dir)? {
            not_empty(dir)
        } else {
            Error::io(dir, "create bag", e)
        });
    }
    // The staging directory is now the bag: nothing to clean.
    let _ = staging.keep();
    sync_dir(&parent)?;
    Ok(Summary {
        bag: dir.display().to_string(),
        origin,
        documents: payload.files,
        payload_bytes: payload.bytes,
        log_entries: head.entries,
        checkpoint_size: checkpoint.checkpoint.size,
        timestamp: token.is_some(),
        public_key: verifier.to_string(),
    })
}

/// Writes the tag manifests of `tags` and the signature over both, which
/// is why it is the one file they cannot list.
fn seal(bag: &Path, tags: &[(String, Sums)], origin: &str, signer: &Signer, key: &Path) -> Result<()> {
    let mut tag_manifests = Vec::new();
    for alg in Algorithm::ALL {
        let lines: String = tags
            .iter()
            .map(|(name, sums)| format!("{} {name}\n", sums.hex(alg)))
            .collect();
        tag_manifests.push(write_file(&bag.join(alg.tag_manifest()), lines.as_bytes())?);
    }
    let text = signature_text(
        origin,
        &tag_manifests[0].hex(Algorithm::Sha256),
        &tag_manifests[1].hex(Algorithm::Sha512),
    );
    let note = signer
        .sign(&text)
        .map_err(|e| Error::Usage(format!("{}: cannot sign the bag: {e}", key.display())))?;
    write_file(&bag.join(SIGNATURE), note.as_bytes())?;
    Ok(())
}

/// DIR must be absent or an empty directory: a bag is never mixed with
/// files that its manifests would not account for.
fn check_target(dir: &Path) -> Result<()> {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(dir, "inspect", e)),
        Ok(m) if !m.is_dir() => Err(Error::Usage(format!(
            "{}: exists and is not a directory; a bag is written into a new or empty directory",
            dir.display()
        ))),
        Ok(_) if !is_empty_dir(dir)? => Err(not_empty(dir)),
        Ok(_) => Ok(()),
    }
}

fn not_empty(dir: &Path) -> Error {
    Error::Usage(format!(
        "{}: is not empty; a bag is written into a new or empty directory",
        dir.display()
    ))
}

fn is_empty_dir(dir: &Path) -> Result<bool> {
    Ok(fs::read_dir(dir).at(dir, "list directory")?.next().is_none())
}

/// The archive's public key, which the given private key must match: a
/// bag signed by another key would not verify against the key that its
/// checkpoint is signed with, which readers were told to trust.
fn keys(archive: &Archive, options: &Options) -> Result<(Signer, Verifier)> {
    let Some(verifier) = transparency::public_key(archive)? else {
        return Err(Error::Usage(format!(
            "{}: the archive has no signing key, and a bag carries a signed checkpoint; make a key with `provenance keygen`, then a checkpoint with `provenance checkpoint`",
            archive.root().display()
        )));
    };
    let signer = key::load(&options.key)?;
    if signer.verifier() != verifier {
        return Err(Error::Usage(format!(
            "{}: this key ({}) is not the archive's ({verifier}); a bag is signed with the key of its checkpoints: name that one with --key",
            options.key.display(),
            signer.verifier()
        )));
    }
    Ok((signer, verifier))
}

/// The newest checkpoint that the head covers. A checkpoint made after
/// the head was read covers entries this export does not copy; the newest
/// one no larger is the newest there was when the head was read.
fn newest_checkpoint(archive: &Archive, head: &Head) -> Result<Signed> {
    for path in transparency::stored(archive)?.iter().rev() {
        let signed = Signed::read(path)?;
        if signed.checkpoint.size <= head.entries {
            return Ok(signed);
        }
    }
    Err(Error::Usage(format!(
        "{}: the archive has no checkpoint, and a bag carries the newest as its proof; make one with `provenance checkpoint`",
        archive.root().display()
    )))
}

fn refuse(archive: &Archive, why: &str) -> Error {
    Error::bad_archive(
        archive.root(),
        format!("refusing to export: {why}; run `provenance verify`"),
    )
}

/// A file of the bag, hashed as it is written and synced when finished.
struct HashingFile {
    path: PathBuf,
    file: BufWriter<File>,
    hashers: Hashers,
}

impl HashingFile {
    fn create(path: &Path) -> Result<HashingFile> {
        let file = File::create_new(path).at(path, "create")?;
        Ok(HashingFile {
            path: path.to_path_buf(),
            file: BufWriter::new(file),
            hashers: Hashers::default(),
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.hashers.update(bytes);
        self.file.write_all(bytes).at(&self.path, "write")
    }

    fn finish(self) -> Result<Sums> {
        let file = self
            .file
            .into_inner()
            .map_err(|e| Error::io(&self.path, "write", e.into_error()))?;
        file.sync_all().at(&self.path, "sync")?;
        Ok(self.hashers.finish())
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<Sums> {
    let mut f = HashingFile::create(path)?;
    f.write(bytes)?;
    f.finish()
}

/// Copies exactly the acknowledged bytes of the log: what the head
/// records, never an unfinished write past it.
fn copy_log(archive: &Archive, head: &Head, to: &Path) -> Result<Sums> {
    let from = archive.log().path();
    let file = File::open(from).at(from, "open")?;
    let mut out = HashingFile::create(to)?;
    let copied = for_each_chunk(
        &mut file.take(head.log_bytes),
        |e| Error::io(from, "read", e),
        |c| out.write(c),
    )?;
    if copied != head.log_bytes {
        return Err(refuse(
            archive,
            &format!(
                "the log is {copied} bytes but its head records {}",
                head.log_bytes
            ),
        ));
    }
    out.finish()
}

/// Reads the bag's copy of the log, the one its readers will check: its
/// chain must hold up to the head, and its first entries must hash to the
/// checkpoint's root, or the key would vouch for a bag that fails.
/// Returns the documents to export, in the order of their first capture.
fn read_log(
    archive: &Archive,
    copy: &Path,
    head: &Head,
    checkpoint: &Signed,
    wanted: Option<&HashSet<Digest>>,
) -> Result<Vec<Document>> {
    let file = File::open(copy).at(copy, "open")?;
    let mut lines = LineReader::new(Box::new(file));
    let mut frontier = Frontier::new();
    let mut root_at_checkpoint: Option<Hash> = (checkpoint.checkpoint.size == 0).then(merkle::empty_root);
    let mut prev = None;
    let mut seen = HashSet::new();
    let mut documents = Vec::new();
    while let Some(line) = lines.next_line().at(copy, "read")? {
        let index = frontier.size();
        let header: Option<EntryHeader> = line
            .complete
            .then(|| serde_json::from_slice(&line.bytes).ok())
            .flatten();
        if !matches!(&header, Some(h) if h.seq == index && h.prev == prev) {
            return Err(refuse(
                archive,
                &format!("entry {index} of the log is not linked to the one before"),
            ));
        }
        let entry = line
            .parse()
            .map_err(|why| refuse(archive, &format!("entry {index} of the log: {why}")))?;
        if let Body::Capture(c) = entry.body
            && wanted.is_none_or(|w| w.contains(&c.sha256))
            && seen.insert(c.sha256)
        {
            documents.push(Document {
                digest: c.sha256,
                media_type: c.media_type,
            });
        }
        prev = Some(line.digest);
        frontier.push(line.leaf);
        if frontier.size() == checkpoint.checkpoint.size {
            root_at_checkpoint = Some(frontier.root());
        }
    }
    if frontier.size() != head.entries || prev != head.last_entry {
        return Err(refuse(
            archive,
            "the log does not end with the entry its head records",
        ));
    }
    if root_at_checkpoint != Some(checkpoint.checkpoint.root) {
        return Err(refuse(
            archive,
            &format!(
                "the log's first {} entries do not hash to the root of {}",
                checkpoint.checkpoint.size,
                checkpoint.path.display()
            ),
        ));
    }
    Ok(documents)
}

struct Payload {
    files: u64,
    bytes: u64,
    /// The payload manifests, with their own sums for the tag manifests.
    manifests: Vec<(String, Sums)>,
}

/// Streams each document from the store into `data/`, hashing it with
/// both algorithms on the way; a blob whose bytes do not hash to its name
/// stops the export, since the bag would name it for bytes it has not.
fn write_payload(archive: &Archive, documents: &[Document], bag: &Path) -> Result<Payload> {
    let store = archive.store();
    let mut manifests = Algorithm::ALL
        .iter()
        .map(|alg| HashingFile::create(&bag.join(alg.manifest())))
        .collect::<Result<Vec<_>>>()?;
    let (mut files, mut bytes) = (0u64, 0u64);
    for doc in documents {
        let name = format!("{DATA}/{}.{}", doc.digest, extension(&doc.media_type));
        let mut out = HashingFile::create(&bag.join(&name))?;
        let mut blob = store.open(&doc.digest)?;
        let described = store.describe(&doc.digest);
        for_each_chunk(
            &mut blob,
            |e| Error::io(&described, "read blob", e),
            |c| out.write(c),
        )?;
        let sums = out.finish()?;
        if sums.sha256 != *doc.digest.as_bytes() {
            return Err(Error::bad_archive(
                &described,
                format!(
                    "refusing to export: the blob's bytes hash to {}, not to its name; run `provenance verify`",
                    hex::encode(sums.sha256)
                ),
            ));
        }
        for (alg, manifest) in Algorithm::ALL.iter().zip(&mut manifests) {
            manifest.write(format!("{} {name}\n", sums.hex(*alg)).as_bytes())?;
        }
        files += 1;
        bytes += sums.bytes;
    }
    let mut done = Vec::new();
    for (alg, manifest) in Algorithm::ALL.iter().zip(manifests) {
        done.push((alg.manifest(), manifest.finish()?));
    }
    Ok(Payload {
        files,
        bytes,
        manifests: done,
    })
}

/// The file name extension of a media type: a table of the usual types,
/// then mime_guess's, else `bin`. Never from the URL or the file name a
/// document came with, which are the source's to choose, not ours.
pub fn extension(media_type: &str) -> String {
    let essence = media::essence(media_type);
    let known = match essence.as_str() {
        "text/plain" => Some("txt"),
        "text/html" => Some("html"),
        "application/xhtml+xml" => Some("xhtml"),
        "application/pdf" => Some("pdf"),
        "application/json" => Some("json"),
        "application/xml" | "text/xml" => Some("xml"),
        "text/csv" => Some("csv"),
        "text/markdown" => Some("md"),
        "text/css" => Some("css"),
        "text/javascript" | "application/javascript" => Some("js"),
        "application/rss+xml" => Some("rss"),
        "application/atom+xml" => Some("atom"),
        "image/jpeg" => Some("jpg"),
        "image/png" => Some("png"),
        "image/gif" => Some("gif"),
        "image/webp" => Some("webp"),
        "image/svg+xml" => Some("svg"),
        "audio/mpeg" => Some("mp3"),
        "video/mp4" => Some("mp4"),
        "application/zip" => Some("zip"),
        "application/gzip" => Some("gz"),
        "application/msword" => Some("doc"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => Some("docx"),
        "application/octet-stream" => Some("bin"),
        _ => None,
    };
    if let Some(ext) = known {
        return ext.to_string();
    }
    let subtype = essence.split('/').nth(1).unwrap_or("");
    let safe = |e: &&str| !e.is_empty() && e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric());
    mime_guess::get_mime_extensions_str(&essence)
        .and_then(|exts| {
            // The table is alphabetical: prefer the one named like the
            // type (image/avif → avif) over the first.
            exts.iter()
                .find(|e| **e == subtype)
                .or_else(|| exts.first())
                .copied()
        })
        .filter(safe)
        .map_or_else(|| "bin".to_string(), str::to_ascii_lowercase)
}

struct BagInfo<'a> {
    organization: Option<&'a str>,
    origin: &'a str,
    documents: u64,
    payload_bytes: u64,
    bag_size: u64,
    log_entries: u64,
    checkpoint_size: u64,
    key: &'a Verifier,
}

fn bag_info(i: &BagInfo) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let docs = if i.documents == 1 { "document" } else { "documents" };
    let mut s = String::new();
    if let Some(org) = i.organization {
        s.push_str(&format!("Source-Organization: {org}\n"));
    }
    s.push_str(&format!(
        "Bagging-Date: {}\n",
        chrono::Utc::now().format("%Y-%m-%d")
    ));
    s.push_str(&format!("Bag-Software-Agent: provenance {version}\n"));
    s.push_str(&format!("External-Identifier: {}\n", i.origin));
    s.push_str(&format!(
        "External-Description: {} {docs} of the provenance archive {}, with its log, checkpoint and key under provenance/, exported by provenance {version}\n",
        i.documents, i.origin
    ));
    s.push_str(&format!("Payload-Oxum: {}.{}\n", i.payload_bytes, i.documents));
    s.push_str(&format!("Bag-Size: {}\n", human_size(i.bag_size)));
    s.push_str(&format!("Provenance-Log-Entries: {}\n", i.log_entries));
    s.push_str(&format!("Provenance-Checkpoint-Size: {}\n", i.checkpoint_size));
    s.push_str(&format!("Provenance-Public-Key: {}\n", i.key));
    s
}

/// Bag-Size is for people (RFC 8493 §2.2.2): decimal units, as its own
/// examples write them ("42.6 GB").
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_come_from_the_media_type_alone() {
        assert_eq!(extension("text/plain"), "txt");
        assert_eq!(extension("text/html; charset=utf-8"), "html");
        assert_eq!(extension("TEXT/HTML"), "html");
        assert_eq!(extension("application/pdf"), "pdf");
        assert_eq!(extension("image/avif"), "avif");
        assert_eq!(extension("application/x-unheard-of"), "bin");
        assert_eq!(extension(""), "bin");
        assert_eq!(extension("application/octet-stream"), "bin");
    }

    #[test]
    fn bag_size_is_in_decimal_units() {
        assert_eq!(human_size(0), "0 bytes");
        assert_eq!(human_size(999), "999 bytes");
        assert_eq!(human_size(15_143), "15.1 KB");
        assert_eq!(human_size(999_999), "1.0 MB");
        assert_eq!(human_size(42_600_000_000), "42.6 GB");
    }

    #[test]
    fn both_digests_are_the_well_known_ones() {
        let sums = Sums::of_reader(&mut &b""[..]).unwrap();
        assert_eq!(
            sums.hex(Algorithm::Sha256),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(
            sums.hex(Algorithm::Sha512)
                .starts_with("cf83e1357eefb8bdf1542850d66d8007")
        );
        assert_eq!(sums.bytes, 0);
    }

    #[test]
    fn the_signed_text_names_both_tag_manifests() {
        assert_eq!(
            signature_text("provenance/0123", "aa", "bb"),
            "provenance bag\nprovenance/0123\naa tagmanifest-sha256.txt\nbb tagmanifest-sha512.txt\n"
        );
    }
}
