//! The WARC 1.1 format (ISO 28500:2017), apart from what any one export
//! puts in it: record types and IDs, the header block, HTTP message blocks
//! built from what the archive recorded, and a writer that frames records
//! and compresses each into its own gzip member. `export::warc` maps the
//! log onto records with these; a WARC importer will read with them.
//! docs/WARC.md documents the mapping and every choice.

pub mod gzip;
pub mod http;
pub mod read;
pub mod record;
pub mod writer;

pub use record::{Header, RecordId, RecordType};
pub use writer::{Compression, Writer};
