//! Signed notes as C2SP defines them (c2sp.org/signed-note), with Ed25519
//! keys: the envelope of every checkpoint, so that any signed-note
//! verifier (Go's golang.org/x/mod/sumdb/note among them) can check ours.
//!
//! A note is UTF-8 text ending in a newline, a blank line, then one line
//! per signature: `— <key name> <base64(4-byte key ID || signature)>`.
//! The key ID is the first 4 bytes of SHA-256(name || 0x0A || 0x01 ||
//! public key), 0x01 being the Ed25519 algorithm byte.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};

/// The algorithm byte of Ed25519 keys in signed notes.
const ALG_ED25519: u8 = 0x01;

/// What starts every signature line: an em dash and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// The prefix Go's note package gives private keys; kept so that its
/// tools read our key files and ours read theirs.
const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("not a signed note: {0}")]
    Malformed(String),
    #[error("not a key: {0}")]
    BadKey(String),
    #[error("no signature by key {0}")]
    NotSignedBy(String),
    #[error("the signature by key {0} does not verify: the note was altered or the signature forged")]
    BadSignature(String),
}

/// The first 4 bytes of SHA-256(name || '\n' || 0x01 || public key).
pub fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Key names are printed between `+` signs and after a space, so they may
/// hold neither.
pub fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() {
        return Err(NoteError::BadKey("the key name is empty".into()));
    }
    if name
        .chars()
        .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(NoteError::BadKey(format!(
            "key name '{name}' holds a space, a control character or '+'"
        )));
    }
    Ok(())
}

/// A public key that checks signatures, written as
/// `<name>+<hex key ID>+<base64(0x01 || public key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl Verifier {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    /// Reads the verifier key form; the key ID must match the key.
    pub fn parse(s: &str) -> Result<Verifier, NoteError> {
        let s = s.trim();
        let mut parts = s.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadKey("expected <name>+<key ID>+<base64 key>".into()));
        };
        check_name(name)?;
        let id = parse_key_id(id_hex)?;
        let public: [u8; 32] = algorithm_key(key_b64)?;
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| NoteError::BadKey("not an Ed25519 public key".into()))?;
        if key_id(name, &public) != id {
            return Err(NoteError::BadKey(format!(
                "key ID {id_hex} does not match the key (it should be {:08x})",
                key_id(name, &public)
            )));
        }
        Ok(Verifier {
            name: name.to_string(),
            id,
            key,
        })
    }

    /// Checks the note's signature by this key.
    pub fn verify(&self, note: &Note) -> Result<(), NoteError> {
        let mut signed = note
            .signatures
            .iter()
            .filter(|s| s.name == self.name && s.id == self.id)
            .peekable();
        if signed.peek().is_none() {
            return Err(NoteError::NotSignedBy(self.to_string()));
        }
        for sig in signed {
            let Ok(bytes) = <[u8; 64]>::try_from(sig.signature.as_slice()) else {
                return Err(NoteError::BadSignature(self.to_string()));
            };
            let signature = ed25519_dalek::Signature::from_bytes(&bytes);
            self.key
                .verify_strict(note.text.as_bytes(), &signature)
                .map_err(|_| NoteError::BadSignature(self.to_string()))?;
        }
        Ok(())
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.id, BASE64.encode(key))
    }
}

/// A private key, written as Go's note package writes one:
/// `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || 32-byte seed)>`.
pub struct Signer {
    name: String,
    id: u32,
    key: SigningKey,
}

impl Signer {
    /// A new key from 32 bytes of the system's randomness.
    pub fn generate(name: &str) -> Result<Signer, NoteError> {
        check_name(name)?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| NoteError::BadKey(format!("no randomness for a key: {e}")))?;
        Ok(Signer::from_seed(name, &seed))
    }

    fn from_seed(name: &str, seed: &[u8; 32]) -> Signer {
        let key = SigningKey::from_bytes(seed);
        Signer {
            name: name.to_string(),
            id: key_id(name, key.verifying_key().as_bytes()),
            key,
        }
    }

    pub fn parse(s: &str) -> Result<Signer, NoteError> {
        let rest = s
            .trim()
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or_else(|| NoteError::BadKey(format!("a private key starts with {PRIVATE_PREFIX}")))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadKey(
                "expected PRIVATE+KEY+<name>+<key ID>+<base64 key>".into(),
            ));
        };
        check_name(name)?;
        let id = parse_key_id(id_hex)?;
        let signer = Signer::from_seed(name, &algorithm_key(key_b64)?);
        if signer.id != id {
            return Err(NoteError::BadKey(format!(
                "key ID {id_hex} does not match the key"
            )));
        }
        Ok(signer)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// The private key form, for the key file only.
    pub fn to_private_string(&self) -> String {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(self.key.as_bytes());
        format!(
            "{PRIVATE_PREFIX}{}+{:08x}+{}",
            self.name,
            self.id,
            BASE64.encode(key)
        )
    }

    /// Signs `text`, which must end with a newline, into a signed note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        let signature = self.key.sign(text.as_bytes());
        let mut blob = self.id.to_be_bytes().to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{text}\n{SIGNATURE_PREFIX}{} {}\n",
            self.name,
            BASE64.encode(blob)
        ))
    }
}

impl fmt::Debug for Signer {
    // Never prints the private key, whatever logs a Debug ends up in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({}+{:08x})", self.name, self.id)
    }
}

/// One signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub id: u32,
    pub signature: Vec<u8>,
}

/// A parsed signed note: the signed text and its signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text that was signed, with its final newline.
    pub text: String,
    pub signatures: Vec<Signature>,
}

impl Note {
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        let s = std::str::from_utf8(bytes).map_err(|_| NoteError::Malformed("not UTF-8".into()))?;
        let split = s
            .rfind("\n\n")
            .ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
        let text = &s[..=split];
        check_text(text)?;
        let sigs = &s[split + 2..];
        if sigs.is_empty() || !sigs.ends_with('\n') {
            return Err(NoteError::Malformed(
                "the signatures must end with a newline".into(),
            ));
        }
        let signatures = sigs
            .lines()
            .map(parse_signature_line)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }
}

fn parse_signature_line(line: &str) -> Result<Signature, NoteError> {
    let bad = |why: &str| NoteError::Malformed(format!("signature line '{line}': {why}"));
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or_else(|| bad("does not start with an em dash and a space"))?;
    let (name, b64) = rest.split_once(' ').ok_or_else(|| bad("no key name"))?;
    check_name(name).map_err(|_| bad("invalid key name"))?;
    let blob = BASE64.decode(b64).map_err(|_| bad("not base64"))?;
    if blob.len() < 5 {
        return Err(bad("too short"));
    }
    Ok(Signature {
        name: name.to_string(),
        id: u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]),
        signature: blob[4..].to_vec(),
    })
}

/// The rules C2SP sets for a note's text: UTF-8 (already), no control
/// characters but newlines, and a final newline.
fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("the text must end with a newline".into()));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(NoteError::Malformed("the text holds a control character".into()));
    }
    Ok(())
}

fn parse_key_id(hex_id: &str) -> Result<u32, NoteError> {
    if hex_id.len() != 8 {
        return Err(NoteError::BadKey(format!(
            "key ID '{hex_id}' is not 8 hex digits"
        )));
    }
    u32::from_str_radix(hex_id, 16).map_err(|_| NoteError::BadKey(format!("key ID '{hex_id}' is not hex")))
}

/// Decodes base64(0x01 || 32 bytes).
fn algorithm_key(b64: &str) -> Result<[u8; 32], NoteError> {
    let bytes = BASE64
        .decode(b64)
        .map_err(|_| NoteError::BadKey("the key is not base64".into()))?;
    match bytes.split_first() {
        Some((&ALG_ED25519, key)) => key
            .try_into()
            .map_err(|_| NoteError::BadKey("an Ed25519 key is 32 bytes".into())),
        Some((alg, _)) => Err(NoteError::BadKey(format!(
            "algorithm {alg:#04x} is not Ed25519 (0x01)"
        ))),
        None => Err(NoteError::BadKey("the key is empty".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Go's golang.org/x/mod/sumdb/note test vectors (note_test.go): a key
    // pair and a note signed with it, so that our format is theirs.
    const GO_SIGNER: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_VERIFIER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
        then you don't know what your problem is.\n\
        \n\
        \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn reads_and_writes_go_keys_and_notes() {
        let signer = Signer::parse(GO_SIGNER).unwrap();
        assert_eq!(signer.to_private_string(), GO_SIGNER);
        assert_eq!(signer.verifier().to_string(), GO_VERIFIER);
        let verifier = Verifier::parse(GO_VERIFIER).unwrap();
        let note = Note::parse(GO_NOTE.as_bytes()).unwrap();
        verifier.verify(&note).unwrap();
        // Ed25519 is deterministic: signing the same text gives Go's note.
        assert_eq!(signer.sign(&note.text).unwrap(), GO_NOTE);
    }

    #[test]
    fn verifies_the_example_of_the_c2sp_signed_note_spec() {
        // c2sp.org/signed-note, its example key and note.
        let verifier =
            Verifier::parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").unwrap();
        let note = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
        let note = Note::parse(note.as_bytes()).unwrap();
        assert_eq!(note.text, "This is an example message.\n");
        verifier.verify(&note).unwrap();
    }

    #[test]
    fn an_altered_text_or_signature_fails() {
        let verifier = Verifier::parse(GO_VERIFIER).unwrap();
        let altered = GO_NOTE.replace("answer", "Answer");
        let note = Note::parse(altered.as_bytes()).unwrap();
        assert!(matches!(verifier.verify(&note), Err(NoteError::BadSignature(_))));
        let other = Signer::generate("PeterNeumann").unwrap();
        let forged = other.sign(&note.text).unwrap();
        let forged = Note::parse(forged.as_bytes()).unwrap();
        assert!(matches!(verifier.verify(&forged), Err(NoteError::NotSignedBy(_))));
    }

    #[test]
    fn malformed_notes_and_keys_are_refused() {
        for bad in [
            "",
            "no blank line\n",
            "text\n\n",
            "text\n\nsignature without dash\n",
            "text\n\n\u{2014} name !!!\n",
            "text\n\n\u{2014} name AAAA\n",
            "text\r\n\n\u{2014} name AAAAAAAA\n",
        ] {
            assert!(Note::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(Note::parse(b"\xff\n\n").is_err());
        for bad in [
            "",
            "name",
            "name+c74f20a3",
            "name+zz+AQ==",
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+AhpjMRcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        ] {
            assert!(Verifier::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Signer::parse(GO_VERIFIER).is_err());
        assert!(Signer::generate("two words").is_err());
    }

    #[test]
    fn a_generated_key_round_trips() {
        let signer = Signer::generate("example.org/newsroom").unwrap();
        let again = Signer::parse(&signer.to_private_string()).unwrap();
        assert_eq!(again.verifier(), signer.verifier());
        let v = Verifier::parse(&signer.verifier().to_string()).unwrap();
        let note = Note::parse(signer.sign("hello\n").unwrap().as_bytes()).unwrap();
        v.verify(&note).unwrap();
        assert!(signer.sign("no newline").is_err());
    }
}
