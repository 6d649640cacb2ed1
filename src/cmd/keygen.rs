use serde::Serialize;

use super::{Ctx, Exit};
use crate::archive::Archive;
use crate::cli::KeygenArgs;
use crate::error::{Error, Result};
use crate::key;
use crate::note::Signer;
use crate::transparency;

/// `keygen --json`.
#[derive(Serialize)]
struct Generated {
    /// The private key file, outside any archive.
    key_file: String,
    /// The signed-note verifier key, to publish.
    public_key: String,
    /// The archive that now holds the public key, when there is one.
    archive: Option<String>,
}

pub fn run(ctx: &Ctx, args: &KeygenArgs) -> Result<Exit> {
    let path = key::key_path(args.key.key.as_deref())?;
    let archive = match Archive::open(&ctx.archive) {
        Ok(a) => Some(a),
        Err(Error::NoArchive(_)) => None,
        Err(e) => return Err(e),
    };
    if let Some(a) = &archive {
        key::check_outside(&path, a.root())?;
        if let Some(existing) = transparency::public_key(a)? {
            return Err(Error::Usage(format!(
                "{}: this archive already has a key ({existing}); its checkpoints stay signed by it",
                a.root().display()
            )));
        }
    }
    let signer = Signer::generate(&args.name).map_err(|e| Error::Usage(format!("--name: {e}")))?;
    key::write_new(&path, &signer)?;
    let verifier = signer.verifier();
    if let Some(a) = &archive {
        transparency::adopt_key(a, &verifier)?;
    }
    let mut out = ctx.out();
    if ctx.json {
        out.json(&Generated {
            key_file: path.display().to_string(),
            public_key: verifier.to_string(),
            archive: archive.as_ref().map(|a| a.root().display().to_string()),
        })?;
    } else {
        out.line(format!(
            "private key: {} (keep it secret, keep a copy)",
            path.display()
        ))?;
        if let Some(a) = &archive {
            out.line(format!(
                "public key, kept in {}:",
                transparency::key_pub_path(a).display()
            ))?;
        } else {
            out.line("public key:")?;
        }
        out.line(verifier.to_string())?;
    }
    out.finish()?;
    Ok(Exit::Success)
}
