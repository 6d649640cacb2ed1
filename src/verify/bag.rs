//! `verify --bag DIR`: a bag that `export --bagit` wrote, checked without
//! the archive. First as any BagIt bag (RFC 8493): the declaration, every
//! manifest line of both algorithms, no payload file unlisted, the
//! Payload-Oxum, every tag manifest line. Then as evidence: the signature
//! over the tag manifests, the log's chain, the checkpoint against the key
//! and the log, its timestamp token, and every payload file against the
//! captures of the log. docs/BAGIT.md lists the findings.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use super::{Finding, Options, Problem, Report, Severity};
use crate::checkpoint::{self, Signed};
use crate::entry::{Body, EntryHeader};
use crate::error::{Error, IoContext, Result, os_message};
use crate::export::bagit::{self, Algorithm, Sums};
use crate::hash::Digest;
use crate::log::LineReader;
use crate::merkle::{self, Frontier, Hash};
use crate::note::{Note, NoteError, Verifier};
use crate::store::read_dir_sorted;
use crate::timestamp::{self, TimestampError};
use crate::transparency;

pub fn verify(dir: &Path, options: &Options) -> Result<Report> {
    let meta = fs::metadata(dir).at(dir, "open bag")?;
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "{}: not a directory, so not a bag",
            dir.display()
        )));
    }
    let mut bag = Bag {
        dir,
        findings: Vec::new(),
    };
    let mut report = Report {
        ok: false,
        quick: false,
        entries: 0,
        captures: 0,
        blobs: 0,
        blob_bytes: 0,
        checkpoints: 0,
        timestamps: 0,
        findings: Vec::new(),
    };
    if bag.declaration() {
        let payload = bag.payload()?;
        report.blobs = payload.on_disk.len() as u64;
        report.blob_bytes = payload.on_disk.values().sum();
        bag.oxum(&payload);
        let tag_manifests = bag.tags()?;
        let key = bag.key(options);
        let checkpoint = bag.checkpoint();
        report.checkpoints = u64::from(bag.path(bagit::CHECKPOINT).exists());
        let log = bag.log(checkpoint.as_ref().map(|c| c.checkpoint.size));
        if let Some(log) = &log {
            report.entries = log.entries;
            report.captures = log.captures;
        }
        let origin = log.as_ref().and_then(|l| l.origin.clone());
        if let Some(signed) = &checkpoint {
            bag.check_checkpoint(signed, key.as_ref(), origin.as_deref(), log.as_ref());
        }
        report.timestamps = bag.token(options);
        bag.signature(key.as_ref(), origin.as_deref(), &tag_manifests);
        if let Some(log) = &log {
            let covered = checkpoint.as_ref().map(|c| c.checkpoint.size);
            bag.documents(&payload, log, covered);
        }
    }
    report.findings = bag.findings;
    report.ok = report.findings.iter().all(|f| f.severity != Severity::Error);
    Ok(report)
}

/// A manifest: each path (relative to the bag, decoded) with its checksum
/// in lower case.
type Listing = BTreeMap<String, String>;

struct Bag<'a> {
    dir: &'a Path,
    findings: Vec<Finding>,
}

/// data/ as found and as checked.
struct Payload {
    /// Every regular file under data/, with its size.
    on_disk: BTreeMap<String, u64>,
    /// The files listed whose bytes every manifest agrees with, with their
    /// SHA-256: the ones whose documents are worth looking up.
    intact: Vec<(String, [u8; 32])>,
}

/// What the bag's log says, read in one pass.
struct LogScan {
    entries: u64,
    captures: u64,
    /// `provenance/<archive id>`, from the init entry.
    origin: Option<String>,
    /// Document → its first capture's `seq`.
    first_capture: HashMap<[u8; 32], u64>,
    /// The Merkle root of the first `size` lines, `size` being the
    /// checkpoint's, when the log has that many.
    root_at_checkpoint: Option<Hash>,
}

impl Bag<'_> {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// A finding about the file `rel`, its message prefixed with its path.
    fn push(&mut self, problem: Problem, rel: &str, message: impl std::fmt::Display) {
        let path = self.path(rel);
        self.findings
            .push(Finding::new(problem, format!("{}: {message}", path.display())).path(&path));
    }

    /// bagit.txt must declare BagIt in UTF-8, and data/ must be there;
    /// nothing else is worth checking of a directory that is not a bag.
    fn declaration(&mut self) -> bool {
        let declared = match fs::read_to_string(self.path(bagit::BAGIT_TXT_NAME)) {
            Err(e) => Err(format!(
                "cannot read ({}): a bag declares itself in bagit.txt",
                os_message(&e)
            )),
            Ok(text) => {
                let tags = parse_tags(&text);
                let get = |label: &str| tags.iter().find(|(l, _)| l == label).map(|(_, v)| v.as_str());
                match (get("BagIt-Version"), get("Tag-File-Character-Encoding")) {
                    (Some("1.0" | "0.97"), Some(enc)) if enc.eq_ignore_ascii_case("UTF-8") => Ok(()),
                    (Some(v), Some(enc)) => Err(format!(
                        "declares BagIt {v} in {enc}; provenance reads BagIt 1.0 in UTF-8"
                    )),
                    _ => Err("does not declare BagIt-Version and Tag-File-Character-Encoding".into()),
                }
            }
        };
        if let Err(why) = declared {
            self.push(Problem::BagNotABag, bagit::BAGIT_TXT_NAME, why);
            return false;
        }
        if !self.path(bagit::DATA).is_dir() {
            self.push(
                Problem::BagNotABag,
                bagit::DATA,
                "missing: a bag keeps its payload in data/",
            );
            return false;
        }
        true
    }

    /// Reads a manifest (`payload`: of data/, else of tag files).
    fn manifest(&mut self, name: &str, alg: Algorithm, payload: bool) -> Option<Listing> {
        let bytes = match fs::read(self.path(name)) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.push(
                    Problem::BagManifestMalformed,
                    name,
                    "missing: every bag that provenance exports has one",
                );
                return None;
            }
            Err(e) => {
                self.push(
                    Problem::BagManifestMalformed,
                    name,
                    format!("cannot read: {}", os_message(&e)),
                );
                return None;
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            self.push(Problem::BagManifestMalformed, name, "not UTF-8");
            return None;
        };
        let digits = match alg {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        };
        let mut listing = Listing::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let n = i + 1;
            let parsed = line
                .split_once([' ', '\t'])
                .map(|(sum, file)| (sum, decode_path(file.trim_start_matches([' ', '\t']))));
            let problem = match &parsed {
                None => Some("not a checksum and a path".to_string()),
                Some((sum, _)) if sum.len() != digits || !sum.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    Some(format!("'{sum}' is not a {} checksum", alg.name()))
                }
                Some((_, file)) if !is_safe(file) => {
                    Some(format!("'{file}' is not a relative path inside the bag"))
                }
                Some((_, file)) if payload != file.starts_with("data/") => Some(format!(
                    "'{file}' is {} data/, where a {} lists files",
                    if payload { "outside" } else { "inside" },
                    if payload {
                        "payload manifest"
                    } else {
                        "tag manifest"
                    }
                )),
                Some(_) => None,
            };
            if let Some(why) = problem {
                self.push(Problem::BagManifestMalformed, name, format!("line {n}: {why}"));
                continue;
            }
            let Some((sum, file)) = parsed else { continue };
            if listing.insert(file.clone(), sum.to_ascii_lowercase()).is_some() {
                self.push(
                    Problem::BagManifestMalformed,
                    name,
                    format!("line {n}: lists '{file}' a second time"),
                );
            }
        }
        Some(listing)
    }

    /// Every manifest line against the payload, and every payload file
    /// against the manifests. Each file is read once for both algorithms.
    fn payload(&mut self) -> Result<Payload> {
        let listings: Vec<(Algorithm, Listing)> = Algorithm::ALL
            .into_iter()
            .filter_map(|alg| self.manifest(&alg.manifest(), alg, true).map(|l| (alg, l)))
            .collect();
        let mut on_disk = BTreeMap::new();
        let mut odd = Vec::new();
        walk(self.dir, &self.path(bagit::DATA), &mut on_disk, &mut odd)?;
        let listed: BTreeSet<&String> = listings.iter().flat_map(|(_, l)| l.keys()).collect();
        let mut intact = Vec::new();
        for rel in listed {
            let in_manifests: Vec<&(Algorithm, Listing)> =
                listings.iter().filter(|(_, l)| l.contains_key(rel)).collect();
            if !on_disk.contains_key(rel) {
                let manifest = in_manifests.first().map_or(String::new(), |(a, _)| a.manifest());
                self.push(
                    Problem::BagPayloadMissing,
                    rel,
                    format!("listed in {manifest} but missing"),
                );
                continue;
            }
            for (alg, _) in listings.iter().filter(|(_, l)| !l.contains_key(rel)) {
                self.push(
                    Problem::BagPayloadUnlisted,
                    rel,
                    format!("not listed in {}", alg.manifest()),
                );
            }
            let sums = match hash(&self.path(rel)) {
                Ok(s) => s,
                Err(e) => {
                    self.push(
                        Problem::BagPayloadChanged,
                        rel,
                        format!("cannot read: {}", os_message(&e)),
                    );
                    continue;
                }
            };
            let differ: Vec<String> = in_manifests
                .iter()
                .filter(|(alg, l)| l[rel] != sums.hex(*alg))
                .map(|(alg, l)| {
                    format!(
                        "its {} is {}, {} records {}",
                        alg.name(),
                        sums.hex(*alg),
                        alg.manifest(),
                        l[rel]
                    )
                })
                .collect();
            if differ.is_empty() {
                intact.push((rel.clone(), sums.sha256));
            } else {
                self.push(
                    Problem::BagPayloadChanged,
                    rel,
                    format!("its bytes changed: {}", differ.join("; ")),
                );
            }
        }
        let unlisted: Vec<String> = on_disk
            .keys()
            .filter(|rel| !listings.iter().any(|(_, l)| l.contains_key(*rel)))
            .cloned()
            .collect();
        for rel in unlisted {
            self.push(
                Problem::BagPayloadUnlisted,
                &rel,
                "a payload file that no manifest lists",
            );
        }
        for rel in odd {
            self.push(
                Problem::BagPayloadUnlisted,
                &rel,
                "not a regular file, which no manifest can list",
            );
        }
        Ok(Payload { on_disk, intact })
    }

    /// Payload-Oxum (octets.files) against what data/ holds. A missing
    /// bag-info.txt is reported as a missing tag file.
    fn oxum(&mut self, payload: &Payload) {
        let Ok(text) = fs::read_to_string(self.path(bagit::BAG_INFO)) else {
            return;
        };
        let tags = parse_tags(&text);
        let Some((_, oxum)) = tags.iter().find(|(l, _)| l == "Payload-Oxum") else {
            self.push(Problem::BagOxum, bagit::BAG_INFO, "no Payload-Oxum");
            return;
        };
        let parsed = oxum
            .split_once('.')
            .and_then(|(o, n)| Some((o.parse::<u64>().ok()?, n.parse::<u64>().ok()?)));
        let Some((octets, files)) = parsed else {
            self.push(
                Problem::BagOxum,
                bagit::BAG_INFO,
                format!("Payload-Oxum '{oxum}' is not octets.files"),
            );
            return;
        };
        let bytes: u64 = payload.on_disk.values().sum();
        let count = payload.on_disk.len() as u64;
        if (octets, files) != (bytes, count) {
            self.push(
                Problem::BagOxum,
                bagit::BAG_INFO,
                format!(
                    "Payload-Oxum says {octets} bytes in {files} files, but data/ holds {bytes} bytes in {count} files"
                ),
            );
        }
    }

    /// Every tag manifest line against its file, and every file outside
    /// data/ against the tag manifests. Returns both tag manifests' own
    /// sums, which the signature names.
    fn tags(&mut self) -> Result<[Option<Sums>; 2]> {
        let listings: Vec<(Algorithm, Listing)> = Algorithm::ALL
            .into_iter()
            .filter_map(|alg| self.manifest(&alg.tag_manifest(), alg, false).map(|l| (alg, l)))
            .collect();
        let listed: BTreeSet<&String> = listings.iter().flat_map(|(_, l)| l.keys()).collect();
        let mut missing = BTreeSet::new();
        for rel in listed {
            let path = self.path(rel);
            if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                let manifest = listings
                    .iter()
                    .find(|(_, l)| l.contains_key(rel))
                    .map_or(String::new(), |(a, _)| a.tag_manifest());
                self.push(
                    Problem::BagTagMissing,
                    rel,
                    format!("listed in {manifest} but missing"),
                );
                missing.insert(rel.clone());
                continue;
            }
            let sums = match hash(&path) {
                Ok(s) => s,
                Err(e) => {
                    self.push(
                        Problem::BagTagChanged,
                        rel,
                        format!("cannot read: {}", os_message(&e)),
                    );
                    continue;
                }
            };
            let differ: Vec<String> = listings
                .iter()
                .filter(|(alg, l)| l.get(rel).is_some_and(|sum| *sum != sums.hex(*alg)))
                .map(|(alg, l)| {
                    format!(
                        "its {} is {}, {} records {}",
                        alg.name(),
                        sums.hex(*alg),
                        alg.tag_manifest(),
                        l[rel]
                    )
                })
                .collect();
            if !differ.is_empty() {
                self.push(
                    Problem::BagTagChanged,
                    rel,
                    format!("changed since the bag was made: {}", differ.join("; ")),
                );
            }
        }
        let mut files = BTreeMap::new();
        let mut odd = Vec::new();
        walk(self.dir, self.dir, &mut files, &mut odd)?;
        let exempt = [
            Algorithm::Sha256.tag_manifest(),
            Algorithm::Sha512.tag_manifest(),
            bagit::SIGNATURE.to_string(),
        ];
        let unlisted: Vec<(String, Vec<String>)> = files
            .keys()
            .filter(|r| !r.starts_with("data/") && !exempt.contains(r))
            .filter_map(|rel| {
                let lacking: Vec<String> = listings
                    .iter()
                    .filter(|(_, l)| !l.contains_key(rel))
                    .map(|(alg, _)| alg.tag_manifest())
                    .collect();
                (!lacking.is_empty()).then(|| (rel.clone(), lacking))
            })
            .collect();
        for (rel, lacking) in unlisted {
            self.push(
                Problem::BagTagUnlisted,
                &rel,
                format!(
                    "not listed in {}, so the bag's signature does not cover it",
                    lacking.join(" nor in ")
                ),
            );
        }
        for rel in odd.iter().filter(|r| !r.starts_with("data/")) {
            self.push(Problem::BagTagUnlisted, rel, "not a regular file");
        }
        for rel in [bagit::BAG_INFO, bagit::LOG, bagit::CHECKPOINT, bagit::KEY] {
            if !files.contains_key(rel) && !missing.contains(rel) {
                self.push(
                    Problem::BagTagMissing,
                    rel,
                    "missing: every bag that provenance exports has it",
                );
            }
        }
        let mut own = [None, None];
        for (i, alg) in Algorithm::ALL.into_iter().enumerate() {
            own[i] = hash(&self.path(&alg.tag_manifest())).ok();
        }
        Ok(own)
    }

    /// The key to check signatures with: the one given (from a source the
    /// bag's holder cannot rewrite), else the bag's own key.pub.
    fn key(&mut self, options: &Options) -> Option<Verifier> {
        let own = match fs::read_to_string(self.path(bagit::KEY)) {
            Ok(text) => match Verifier::parse(&text) {
                Ok(v) => Some(v),
                Err(e) => {
                    self.push(Problem::BagKeyInvalid, bagit::KEY, e);
                    None
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => {
                self.push(
                    Problem::BagKeyInvalid,
                    bagit::KEY,
                    format!("cannot read: {}", os_message(&e)),
                );
                None
            }
        };
        options.public_key.clone().or(own)
    }

    fn checkpoint(&mut self) -> Option<Signed> {
        let path = self.path(bagit::CHECKPOINT);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) => {
                self.push(
                    Problem::BagCheckpointInvalid,
                    bagit::CHECKPOINT,
                    format!("cannot read: {}", os_message(&e)),
                );
                return None;
            }
        };
        match Signed::parse(&path, bytes) {
            Ok(s) => Some(s),
            Err(why) => {
                self.push(Problem::BagCheckpointInvalid, bagit::CHECKPOINT, why);
                None
            }
        }
    }

    /// The log's chain, in one pass that also takes the Merkle root at the
    /// checkpoint's size and notes every capture.
    fn log(&mut self, checkpoint_size: Option<u64>) -> Option<LogScan> {
        let path = self.path(bagit::LOG);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) => {
                self.push(
                    Problem::BagLogBroken,
                    bagit::LOG,
                    format!("cannot read: {}", os_message(&e)),
                );
                return None;
            }
        };
        let mut lines = LineReader::new(Box::new(file));
        let mut scan = LogScan {
            entries: 0,
            captures: 0,
            origin: None,
            first_capture: HashMap::new(),
            root_at_checkpoint: (checkpoint_size == Some(0)).then(merkle::empty_root),
        };
        let mut frontier = Frontier::new();
        let mut expected_seq = 0;
        let mut prev: Option<Digest> = None;
        loop {
            let line = match lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => {
                    self.push(
                        Problem::BagLogBroken,
                        bagit::LOG,
                        format!("cannot read: {}", os_message(&e)),
                    );
                    break;
                }
            };
            let n = frontier.size() + 1;
            if !line.complete {
                self.push(
                    Problem::BagLogBroken,
                    bagit::LOG,
                    format!("line {n}: the last line has no newline: the log was cut"),
                );
                break;
            }
            match serde_json::from_slice::<EntryHeader>(&line.bytes) {
                Err(e) => self.push(
                    Problem::BagLogBroken,
                    bagit::LOG,
                    format!("line {n}: not a log entry ({e})"),
                ),
                Ok(h) => {
                    if h.seq != expected_seq {
                        self.push(
                            Problem::BagLogBroken,
                            bagit::LOG,
                            format!(
                                "line {n}: entry {} where entry {expected_seq} should be: entries were removed, inserted or reordered",
                                h.seq
                            ),
                        );
                    } else if h.prev != prev {
                        self.push(
                            Problem::BagLogBroken,
                            bagit::LOG,
                            format!(
                                "line {n}: entry {} does not link to the line before (its prev is not that line's SHA-256): an entry was changed",
                                h.seq
                            ),
                        );
                    }
                    expected_seq = h.seq + 1;
                    self.note_entry(&line, n, &mut scan);
                }
            }
            prev = Some(line.digest);
            frontier.push(line.leaf);
            if Some(frontier.size()) == checkpoint_size {
                scan.root_at_checkpoint = Some(frontier.root());
            }
        }
        scan.entries = frontier.size();
        if scan.entries == 0 {
            self.push(
                Problem::BagLogBroken,
                bagit::LOG,
                "empty: a log starts with its init entry",
            );
        } else if scan.origin.is_none() {
            self.push(
                Problem::BagLogBroken,
                bagit::LOG,
                "line 1: not the archive's init entry, so the log names no archive",
            );
        }
        Some(scan)
    }

    fn note_entry(&mut self, line: &crate::log::Line, n: u64, scan: &mut LogScan) {
        match line.parse() {
            Err(why) => self.push(Problem::BagLogBroken, bagit::LOG, format!("line {n}: {why}")),
            Ok(entry) => match entry.body {
                Body::Init(init) if n == 1 => scan.origin = Some(checkpoint::origin(&init.archive_id)),
                Body::Capture(c) => {
                    scan.captures += 1;
                    scan.first_capture
                        .entry(*c.sha256.as_bytes())
                        .or_insert(entry.seq);
                }
                _ => {}
            },
        }
    }

    /// The checkpoint must be signed by the key, be of the log's archive,
    /// and its root must be the root of the log's first `size` lines.
    fn check_checkpoint(
        &mut self,
        signed: &Signed,
        key: Option<&Verifier>,
        origin: Option<&str>,
        log: Option<&LogScan>,
    ) {
        let path = &signed.path;
        match key {
            None => self.push(
                Problem::BagCheckpointInvalid,
                bagit::CHECKPOINT,
                "cannot be checked: the bag has no valid public key (provenance/key.pub); give one with --public-key",
            ),
            Some(key) => {
                let origin = origin.unwrap_or(&signed.checkpoint.origin);
                if let Err(m) = transparency::check_signature(signed, key, origin) {
                    self.findings
                        .push(Finding::new(Problem::BagCheckpointInvalid, m.message().to_string()).path(path));
                }
            }
        }
        if let Some(log) = log
            && let Err(m) = transparency::check_root(signed, log.entries, log.root_at_checkpoint)
        {
            let message = format!("{} (in {})", m.message(), self.path(bagit::LOG).display());
            self.findings
                .push(Finding::new(Problem::BagCheckpointMismatch, message).path(path));
        }
    }

    /// The checkpoint's token, checked as `verify` checks the archive's:
    /// with no CA given, an authority that cannot be judged is a warning.
    fn token(&mut self, options: &Options) -> u64 {
        let path = self.path(bagit::TOKEN);
        let der = match fs::read(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return 0,
            Err(e) => {
                self.push(Problem::TimestampMalformed, bagit::TOKEN, os_message(&e));
                return 1;
            }
        };
        let Ok(checkpoint) = fs::read(self.path(bagit::CHECKPOINT)) else {
            self.push(
                Problem::TimestampOrphan,
                bagit::TOKEN,
                "a timestamp token with no checkpoint beside it",
            );
            return 1;
        };
        let imprint = *Digest::of(&checkpoint).as_bytes();
        match timestamp::verify(&der, &imprint, &options.tsa_ca, &[]) {
            Ok(_) => {}
            Err(e) if options.tsa_ca.is_empty() && e.kind() == "untrusted" => self.push(
                Problem::TimestampUnchecked,
                bagit::TOKEN,
                "its signature holds, but no --tsa-ca was given to say whether its authority is trusted",
            ),
            Err(e) => {
                let (problem, what) = token_problem(&e);
                self.push(problem, bagit::TOKEN, format!("{what}{e}"));
            }
        }
        1
    }

    /// The signed note over both tag manifests, by the key.
    fn signature(&mut self, key: Option<&Verifier>, origin: Option<&str>, tag_manifests: &[Option<Sums>; 2]) {
        let rel = bagit::SIGNATURE;
        let bytes = match fs::read(self.path(rel)) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.push(
                    Problem::BagSignatureMissing,
                    rel,
                    "missing: nothing vouches for the tag manifests, nor for what they list",
                );
                return;
            }
            Err(e) => {
                self.push(
                    Problem::BagSignatureInvalid,
                    rel,
                    format!("cannot read: {}", os_message(&e)),
                );
                return;
            }
        };
        let note = match Note::parse(&bytes) {
            Ok(n) => n,
            Err(e) => return self.push(Problem::BagSignatureInvalid, rel, e),
        };
        let Some(key) = key else {
            return self.push(
                Problem::BagSignatureInvalid,
                rel,
                "cannot be checked: the bag has no valid public key (provenance/key.pub); give one with --public-key",
            );
        };
        if let Err(e) = key.verify(&note) {
            let why = match e {
                NoteError::BadSignature(_) => format!(
                    "its signature by {} does not verify: the signature or the tag manifests' digests in it were altered",
                    key.name()
                ),
                _ => {
                    let signers: Vec<String> = note
                        .signatures
                        .iter()
                        .map(|s| format!("{}+{:08x}", s.name, s.id))
                        .collect();
                    format!("not signed by {key}; signed by {}", signers.join(", "))
                }
            };
            return self.push(Problem::BagSignatureInvalid, rel, why);
        }
        let lines: Vec<&str> = note.text.lines().collect();
        if lines.len() != 4 || lines[0] != bagit::SIGNATURE_HEADER {
            return self.push(
                Problem::BagSignatureInvalid,
                rel,
                format!(
                    "signed, but not a bag's signature (its text does not start '{}' and name the two tag manifests)",
                    bagit::SIGNATURE_HEADER
                ),
            );
        }
        if let Some(origin) = origin
            && lines[1] != origin
        {
            self.push(
                Problem::BagSignatureInvalid,
                rel,
                format!(
                    "it signs a bag of '{}', but the bag's log is of '{origin}'",
                    lines[1]
                ),
            );
        }
        let changed: Vec<String> = Algorithm::ALL
            .into_iter()
            .enumerate()
            .filter_map(|(i, alg)| {
                let sums = tag_manifests[i].as_ref()?;
                let name = alg.tag_manifest();
                (lines[2 + i] != format!("{} {name}", sums.hex(alg))).then(|| {
                    format!(
                        "{name} was changed after the bag was signed: its {} is {}, the signature is over '{}'",
                        alg.name(),
                        sums.hex(alg),
                        lines[2 + i]
                    )
                })
            })
            .collect();
        if !changed.is_empty() {
            self.push(Problem::BagSignatureInvalid, rel, changed.join("; "));
        }
    }

    /// Every intact payload file must be named for its bytes and be a
    /// document that a capture of the log names.
    fn documents(&mut self, payload: &Payload, log: &LogScan, covered: Option<u64>) {
        for (rel, sha256) in &payload.intact {
            let hex = hex::encode(sha256);
            let stem = rel
                .strip_prefix("data/")
                .and_then(|name| name.split('.').next())
                .unwrap_or("");
            if stem != hex {
                self.push(
                    Problem::BagDocumentUnknown,
                    rel,
                    format!("named for other bytes than its own, which hash to {hex}"),
                );
                continue;
            }
            match (log.first_capture.get(sha256), covered) {
                (None, _) => self.push(
                    Problem::BagDocumentUnknown,
                    rel,
                    format!(
                        "no capture in {} names these bytes ({hex})",
                        bagit::LOG
                    ),
                ),
                (Some(&seq), Some(size)) if seq >= size => self.push(
                    Problem::BagDocumentUncheckpointed,
                    rel,
                    format!(
                        "first captured in entry {seq}, after the {size} entries the checkpoint covers: only the bag's signature vouches for it"
                    ),
                ),
                _ => {}
            }
        }
    }
}

/// As `verify` names a token's problems (verify/tlog.rs).
fn token_problem(e: &TimestampError) -> (Problem, &'static str) {
    match e.kind() {
        "imprint_mismatch" => (
            Problem::TimestampMismatch,
            "the token is not over the bag's checkpoint: the checkpoint or the token was altered or swapped: ",
        ),
        "malformed" | "not_granted" => (Problem::TimestampMalformed, "not a timestamp response: "),
        "untrusted"
        | "certificate_expired"
        | "not_timestamping_certificate"
        | "signer_certificate_missing" => (
            Problem::TimestampUntrusted,
            "the token's authority is not trusted: ",
        ),
        _ => (
            Problem::TimestampForged,
            "the token's signature does not verify: it was altered: ",
        ),
    }
}

fn hash(path: &Path) -> io::Result<Sums> {
    Sums::of_reader(&mut File::open(path)?)
}

/// Collects the regular files under `dir` as paths relative to `root`
/// with `/` between components, their sizes, and whatever else is there
/// (links, devices) apart. Symbolic links are never followed: a bag's
/// files are its own.
fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, u64>, odd: &mut Vec<String>) -> Result<()> {
    for path in read_dir_sorted(dir)? {
        let meta = fs::symlink_metadata(&path).at(&path, "inspect")?;
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if meta.is_dir() {
            walk(root, &path, files, odd)?;
        } else if meta.is_file() {
            files.insert(rel, meta.len());
        } else {
            odd.push(rel);
        }
    }
    Ok(())
}

/// A manifest path as RFC 8493 §2.1.3 writes it: only `%`, CR and LF are
/// percent-encoded.
fn decode_path(s: &str) -> String {
    s.replace("%0A", "\n")
        .replace("%0a", "\n")
        .replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%25", "%")
}

/// Relative, without `.` or `..` components: a manifest must not make a
/// verifier read outside the bag.
fn is_safe(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\0')
        && path.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// The labels and values of a tag file (bagit.txt, bag-info.txt): `Label:
/// value` lines, a line that starts with white space continuing the
/// value before it.
fn parse_tags(text: &str) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = tags.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((label, value)) = line.split_once(':') {
            tags.push((label.trim().to_string(), value.trim().to_string()));
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_files_are_read_with_their_folded_lines() {
        let tags = parse_tags("BagIt-Version: 1.0\nExternal-Description: one\n  two\nPayload-Oxum: 3.1\n");
        assert_eq!(
            tags,
            [
                ("BagIt-Version".to_string(), "1.0".to_string()),
                ("External-Description".into(), "one two".into()),
                ("Payload-Oxum".into(), "3.1".into()),
            ]
        );
    }

    #[test]
    fn manifest_paths_never_leave_the_bag() {
        for bad in [
            "",
            "/etc/passwd",
            "data/../../x",
            "data//x",
            "./data/x",
            "data/x\0",
        ] {
            assert!(!is_safe(bad), "{bad:?}");
        }
        assert!(is_safe("data/19552d2c.txt"));
        assert_eq!(decode_path("data/a%25b%0Ac"), "data/a%b\nc");
    }
}
