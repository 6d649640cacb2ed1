//! Checkpoints in the C2SP tlog-checkpoint format (c2sp.org/tlog-checkpoint):
//! the origin, the tree size and the base64 root hash, one a line, signed
//! as a note (`note`). The archive keeps each in `checkpoints/`, named by
//! its tree size, with any timestamp token beside it as `<name>.tsr`.

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::error::{Error, IoContext, Result};
use crate::merkle::Hash;
use crate::note::{Note, NoteError};

/// The suffix of checkpoint files, and of their timestamp tokens after it.
pub const SUFFIX: &str = ".checkpoint";
pub const TOKEN_SUFFIX: &str = ".tsr";

/// The origin line of an archive's checkpoints: one archive, one log.
pub fn origin(archive_id: &str) -> String {
    format!("provenance/{archive_id}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Lines after the root, which C2SP allows and we keep as they are.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: every line ends with a newline.
    pub fn text(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root));
        for line in &self.extensions {
            s.push_str(line);
            s.push('\n');
        }
        s
    }

    pub fn parse_text(text: &str) -> std::result::Result<Checkpoint, String> {
        let body = text
            .strip_suffix('\n')
            .ok_or("the text does not end with a newline")?;
        let mut lines = body.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty()).ok_or("no origin line")?;
        let size = lines.next().ok_or("no tree size line")?;
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(format!("tree size '{size}' is not a decimal number"));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| format!("tree size '{size}' is too large"))?;
        let root = lines.next().ok_or("no root hash line")?;
        let root: Hash = BASE64
            .decode(root)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("root hash '{root}' is not 32 bytes of base64"))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err("an empty extension line".into());
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }
}

/// A signed checkpoint as read from a file.
#[derive(Debug, Clone)]
pub struct Signed {
    pub path: PathBuf,
    /// The file's exact bytes: what a timestamp token covers.
    pub bytes: Vec<u8>,
    pub note: Note,
    pub checkpoint: Checkpoint,
}

impl Signed {
    /// Reads a checkpoint file; the signature is checked by the caller,
    /// who knows which key to trust.
    pub fn read(path: &Path) -> Result<Signed> {
        let bytes = fs::read(path).at(path, "read checkpoint")?;
        Signed::parse(path, bytes).map_err(|reason| Error::source(path.display(), reason))
    }

    pub fn parse(path: &Path, bytes: Vec<u8>) -> std::result::Result<Signed, String> {
        let note = Note::parse(&bytes).map_err(|e: NoteError| e.to_string())?;
        let checkpoint = Checkpoint::parse_text(&note.text).map_err(|e| format!("not a checkpoint: {e}"))?;
        Ok(Signed {
            path: path.to_path_buf(),
            bytes,
            note,
            checkpoint,
        })
    }

    /// Where this checkpoint's timestamp token is kept.
    pub fn token_path(&self) -> PathBuf {
        token_path(&self.path)
    }
}

pub fn token_path(checkpoint: &Path) -> PathBuf {
    let mut name = checkpoint.as_os_str().to_os_string();
    name.push(TOKEN_SUFFIX);
    PathBuf::from(name)
}

/// The file name of the checkpoint of a tree of `size` entries: zero
/// padded, so that names sort as sizes do.
pub fn file_name(size: u64) -> String {
    format!("{size:012}{SUFFIX}")
}

/// The checkpoint files in `dir`, smallest tree first; other files are
/// left to `verify` to report.
pub fn list(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found: Vec<(u64, PathBuf)> = Vec::new();
    let entries = match fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        r => r.at(dir, "list directory")?,
    };
    for entry in entries {
        let entry = entry.at(dir, "list directory")?;
        let name = entry.file_name();
        let Some(size) = name
            .to_str()
            .and_then(|n| n.strip_suffix(SUFFIX))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        found.push((size, entry.path()));
    }
    found.sort();
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_matches_the_c2sp_layout() {
        let c = Checkpoint {
            origin: "provenance/0123".into(),
            size: 42,
            root: [7u8; 32],
            extensions: vec![],
        };
        let text = c.text();
        assert_eq!(
            text,
            "provenance/0123\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n"
        );
        assert_eq!(Checkpoint::parse_text(&text).unwrap(), c);
        let with_ext = "o\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\nextra line\n";
        assert_eq!(
            Checkpoint::parse_text(with_ext).unwrap().extensions,
            ["extra line"]
        );
    }

    #[test]
    fn reads_and_verifies_a_real_checkpoint_of_the_go_checksum_database() {
        // A signed tree head that sum.golang.org served, with the key the
        // Go toolchain pins: our parser and verifier read the production
        // transparency log the C2SP formats come from.
        let key = crate::note::Verifier::parse(
            "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
        )
        .unwrap();
        let note = "go.sum database tree\n65209736\n5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=\n\n\u{2014} sum.golang.org Az3grnbssgK7ubgFX36gVETtNv0U23qxyAhAMai2QUfeGa3nB/akvkMdlUErfcZz7l/R3cVtYspg3dxXABkGZZKdsQ8=\n";
        let signed = Signed::parse(Path::new("sum.golang.org"), note.as_bytes().to_vec()).unwrap();
        assert_eq!(signed.checkpoint.origin, "go.sum database tree");
        assert_eq!(signed.checkpoint.size, 65_209_736);
        key.verify(&signed.note).unwrap();
    }

    #[test]
    fn malformed_checkpoints_are_refused() {
        for bad in [
            "",
            "origin\n",
            "origin\n12\n",
            "origin\n-1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n",
            "origin\n012\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n",
            "origin\n99999999999999999999999\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n",
            "origin\n1\nBwcH\n",
            "origin\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
            "\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n",
        ] {
            assert!(Checkpoint::parse_text(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn file_names_sort_by_size() {
        assert_eq!(file_name(5), "000000000005.checkpoint");
        assert!(file_name(9) < file_name(10));
        assert_eq!(
            token_path(Path::new("a/000000000005.checkpoint")),
            Path::new("a/000000000005.checkpoint.tsr")
        );
    }
}
