//! PDF to text. (Being written.)

/// The text of a PDF document, or why there is none.
pub fn text(bytes: &[u8]) -> Result<String, String> {
    let _ = bytes;
    Err("no text extracted: PDF text extraction is not built yet".to_string())
}
