//! Signing keys: where the private key lives (never in an archive), how
//! it is written (mode 0600, Go's note key form) and how it is read back.
//! The archive keeps only the public half, in `key.pub`.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};
use crate::note::{Signer, Verifier};

/// The environment variable naming the private key file.
pub const KEY_ENV: &str = "PROVENANCE_KEY";

/// The key file's name in the user's config directory.
const KEY_FILE: &str = "provenance/signing.key";

/// The key name when `keygen` is given none.
pub const DEFAULT_NAME: &str = "provenance";

/// Where the private key is: `--key`, else `$PROVENANCE_KEY`, else the
/// user's config directory (`$XDG_CONFIG_HOME/provenance/signing.key`).
pub fn key_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(KEY_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    dirs::config_dir().map(|d| d.join(KEY_FILE)).ok_or_else(|| {
        Error::Usage(format!(
            "no config directory is known here; name a key file with --key or {KEY_ENV}"
        ))
    })
}

/// Refuses a key path inside the archive: a private key must never travel
/// with the archive it signs, nor with an export of it.
pub fn check_outside(key: &Path, archive_root: &Path) -> Result<()> {
    let parent = key
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (Ok(dir), Ok(root)) = (fs::canonicalize(parent), fs::canonicalize(archive_root)) else {
        return Ok(());
    };
    if dir.starts_with(&root) {
        return Err(Error::Usage(format!(
            "{}: a private key must not be kept inside the archive ({}); keep it elsewhere",
            key.display(),
            archive_root.display()
        )));
    }
    Ok(())
}

/// Writes a new key file, readable by its owner only; never replaces one.
pub fn write_new(path: &Path, signer: &Signer) -> Result<()> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(dir).at(dir, "create directory")?;
    }
    let mut file = match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            return Err(Error::Usage(format!(
                "{}: a key already exists there; refusing to replace it (name another file with --key)",
                path.display()
            )));
        }
        r => r.at(path, "create key file")?,
    };
    let text = format!("{}\n", signer.to_private_string());
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = fs::remove_file(path);
        return Err(Error::io(path, "write key file", e));
    }
    Ok(())
}

/// Reads a private key, refusing a file others can read, as ssh does.
pub fn load(path: &Path) -> Result<Signer> {
    let meta = match fs::metadata(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(Error::Usage(format!(
                "{}: no signing key; make one with `provenance keygen`, or name one with --key or {KEY_ENV}",
                path.display()
            )));
        }
        r => r.at(path, "read key file")?,
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Error::Usage(format!(
            "{}: the private key is readable by others (mode {mode:04o}); run `chmod 600 {}`",
            path.display(),
            path.display()
        )));
    }
    let text = fs::read_to_string(path).at(path, "read key file")?;
    Signer::parse(&text).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
}

/// Reads a verifier key given as the key itself or as a file holding it.
pub fn load_verifier(arg: &str) -> Result<Verifier> {
    let not_a_key = match Verifier::parse(arg) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let path = Path::new(arg);
    if !path.exists() {
        return Err(Error::Usage(format!(
            "--public-key {arg}: neither a file nor a verifier key ({not_a_key})"
        )));
    }
    let text = fs::read_to_string(path).at(path, "read public key")?;
    Verifier::parse(&text).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
}
