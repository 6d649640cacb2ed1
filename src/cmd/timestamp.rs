use serde::Serialize;

use super::{Ctx, Exit};
use crate::archive::LockMode;
use crate::cli::TimestampArgs;
use crate::error::{Error, Result};
use crate::hash::Digest;
use crate::log::write_once;
use crate::timestamp::{self, Token};
use crate::transparency;

/// `timestamp --json`.
#[derive(Serialize)]
struct Stamped {
    checkpoint_file: String,
    token_file: String,
    /// True when the token was checked against `--tsa-ca` before keeping it.
    verified: bool,
    token: Token,
}

pub fn run(ctx: &Ctx, args: &TimestampArgs) -> Result<Exit> {
    let archive = ctx.open()?;
    let trusted = load_cas(&args.tsa_ca)?;
    let signed = transparency::newest(&archive)?.ok_or_else(|| {
        Error::Usage(format!(
            "{}: no checkpoint to timestamp; make one with `provenance checkpoint`",
            archive.root().display()
        ))
    })?;
    let token_path = signed.token_path();
    if token_path.exists() {
        return Err(Error::Usage(format!(
            "{}: the newest checkpoint is timestamped already; make a new checkpoint after adding documents",
            token_path.display()
        )));
    }
    let imprint = *Digest::of(&signed.bytes).as_bytes();
    let (response, token) =
        timestamp::request(&args.tsa, &imprint, &args.ca_cert).map_err(|e| tsa_error(&args.tsa, e))?;
    let verified = !trusted.is_empty();
    if verified {
        timestamp::verify(&response, &imprint, &trusted, &[]).map_err(|e| tsa_error(&args.tsa, e))?;
    }
    {
        let _lock = archive.lock(LockMode::Exclusive)?;
        write_once(&token_path, &archive.tmp_dir(), &response)?;
    }
    let stamped = Stamped {
        checkpoint_file: signed.path.display().to_string(),
        token_file: token_path.display().to_string(),
        verified,
        token,
    };
    let mut out = ctx.out();
    if ctx.json {
        out.json(&stamped)?;
    } else {
        let t = &stamped.token;
        out.line(format!(
            "timestamped {} at {} by {} (serial {})",
            stamped.checkpoint_file, t.gen_time, t.signer, t.serial
        ))?;
        out.line(format!("token kept in {}", stamped.token_file))?;
        if !verified {
            out.line("not checked against a CA: give --tsa-ca to check the token before keeping it")?;
        }
    }
    out.finish()?;
    Ok(Exit::Success)
}

/// Names the TSA once: a failed POST's message names it already.
fn tsa_error(url: &str, e: timestamp::TimestampError) -> Error {
    if e.kind() == "http" {
        Error::Usage(e.to_string())
    } else {
        Error::source(url, e)
    }
}

/// Every certificate of every `--tsa-ca` file.
pub fn load_cas(files: &[std::path::PathBuf]) -> Result<Vec<Vec<u8>>> {
    let mut certs = Vec::new();
    for f in files {
        certs.extend(timestamp::load_certs(f)?);
    }
    Ok(certs)
}
