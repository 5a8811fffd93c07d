//! A look at a zip's end records and central directory *before* the zip
//! crate parses it.
//!
//! The zip crate builds an in-memory entry for every central-directory
//! record it finds, so a 64 MiB archive of tiny records would cost hundreds
//! of megabytes before any limit of ours could run. Reading the entry counts
//! the end records claim first lets the reader refuse such a file for the
//! price of scanning its last 64 KiB. The same walk lists the raw names,
//! which the zip crate deduplicates, so that a duplicate entry can be named.
//!
//! Everything here is best effort: when a record is missing or malformed we
//! say nothing and let the zip crate, which is authoritative, report it.

const EOCD_SIG: &[u8; 4] = b"PK\x05\x06";
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR_SIG: &[u8; 4] = b"PK\x06\x07";
const ZIP64_LOCATOR_LEN: usize = 20;
const ZIP64_EOCD_SIG: &[u8; 4] = b"PK\x06\x06";
const ZIP64_EOCD_LEN: usize = 56;
const CENTRAL_HEADER_SIG: &[u8; 4] = b"PK\x01\x02";
const CENTRAL_HEADER_LEN: usize = 46;
/// The archive comment is at most this long, so the end record is within
/// this distance of the end of the file.
const MAX_COMMENT: usize = u16::MAX as usize;

/// What the end records say.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct EndRecords<'a> {
    /// The largest entry count any end record near the end of the file
    /// claims. Every candidate counts, because the zip crate falls back to an
    /// earlier record when a later one is unusable.
    pub claimed_entries: u64,
    /// The raw names in the central directory of the last end record, in
    /// order, duplicates kept; `None` when the directory could not be walked.
    pub names: Option<Vec<&'a [u8]>>,
}

/// Reads the end records of `bytes`; walks the central directory only when
/// its claimed size is at most `max_entries`.
pub(crate) fn scan(bytes: &[u8], max_entries: usize) -> EndRecords<'_> {
    let mut result = EndRecords::default();
    let Some(last_start) = bytes.len().checked_sub(EOCD_LEN) else {
        return result;
    };
    let first_start = last_start.saturating_sub(MAX_COMMENT);
    let mut last_directory = None;
    for pos in (first_start..=last_start).rev() {
        if &bytes[pos..pos + 4] != EOCD_SIG {
            continue;
        }
        let Some(directory) = directory_of(bytes, pos) else {
            continue;
        };
        result.claimed_entries = result.claimed_entries.max(directory.entries);
        if last_directory.is_none() {
            last_directory = Some(directory);
        }
    }
    if let Some(directory) = last_directory
        && directory.entries <= max_entries as u64
    {
        result.names = walk(bytes, &directory);
    }
    result
}

/// Where the central directory is and how many entries it has.
#[derive(Clone, Copy, Debug)]
struct Directory {
    entries: u64,
    offset: u64,
    size: u64,
}

/// The directory the end record at `pos` describes, through its zip64
/// record when the 16/32-bit fields are saturated.
fn directory_of(bytes: &[u8], pos: usize) -> Option<Directory> {
    let on_disk = u64::from(u16_at(bytes, pos + 8)?);
    let total = u64::from(u16_at(bytes, pos + 10)?);
    let size = u64::from(u32_at(bytes, pos + 12)?);
    let offset = u64::from(u32_at(bytes, pos + 16)?);
    let saturated =
        on_disk == 0xFFFF || total == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF;
    if saturated && let Some(zip64) = zip64_directory(bytes, pos) {
        return Some(zip64);
    }
    Some(Directory {
        entries: on_disk.max(total),
        offset,
        size,
    })
}

fn zip64_directory(bytes: &[u8], eocd_pos: usize) -> Option<Directory> {
    let locator = eocd_pos.checked_sub(ZIP64_LOCATOR_LEN)?;
    if bytes.get(locator..locator + 4)? != ZIP64_LOCATOR_SIG {
        return None;
    }
    let record = usize::try_from(u64_at(bytes, locator + 8)?).ok()?;
    if bytes.get(record..record.checked_add(4)?)? != ZIP64_EOCD_SIG
        || record.checked_add(ZIP64_EOCD_LEN)? > bytes.len()
    {
        return None;
    }
    Some(Directory {
        entries: u64_at(bytes, record + 24)?.max(u64_at(bytes, record + 32)?),
        size: u64_at(bytes, record + 40)?,
        offset: u64_at(bytes, record + 48)?,
    })
}

/// The raw names of the directory's entries, or `None` as soon as anything
/// does not line up (for instance an archive with data prepended, whose
/// offsets the zip crate corrects but we do not).
fn walk<'a>(bytes: &'a [u8], directory: &Directory) -> Option<Vec<&'a [u8]>> {
    let start = usize::try_from(directory.offset).ok()?;
    let end = start.checked_add(usize::try_from(directory.size).ok()?)?;
    if end > bytes.len() {
        return None;
    }
    let mut names = Vec::with_capacity(usize::try_from(directory.entries).ok()?);
    let mut pos = start;
    for _ in 0..directory.entries {
        if pos.checked_add(CENTRAL_HEADER_LEN)? > end || &bytes[pos..pos + 4] != CENTRAL_HEADER_SIG
        {
            return None;
        }
        let name_len = usize::from(u16_at(bytes, pos + 28)?);
        let extra_len = usize::from(u16_at(bytes, pos + 30)?);
        let comment_len = usize::from(u16_at(bytes, pos + 32)?);
        let name_start = pos + CENTRAL_HEADER_LEN;
        names.push(bytes.get(name_start..name_start + name_len)?);
        pos = name_start + name_len + extra_len + comment_len;
    }
    Some(names)
}

fn u16_at(bytes: &[u8], pos: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        bytes.get(pos..pos.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(bytes: &[u8], pos: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(pos..pos.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(bytes: &[u8], pos: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        bytes.get(pos..pos.checked_add(8)?)?.try_into().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An end record claiming `entries` entries and an empty directory.
    fn end_record(entries: u16) -> Vec<u8> {
        let mut eocd = EOCD_SIG.to_vec();
        eocd.extend_from_slice(&[0, 0, 0, 0]);
        eocd.extend_from_slice(&entries.to_le_bytes());
        eocd.extend_from_slice(&entries.to_le_bytes());
        eocd.extend_from_slice(&0u32.to_le_bytes());
        eocd.extend_from_slice(&0u32.to_le_bytes());
        eocd.extend_from_slice(&0u16.to_le_bytes());
        eocd
    }

    #[test]
    fn reads_the_claimed_count_without_walking_a_huge_directory() {
        let bytes = end_record(60_000);
        let records = scan(&bytes, 256);
        assert_eq!(records.claimed_entries, 60_000);
        assert_eq!(records.names, None);
    }

    #[test]
    fn an_earlier_record_with_a_larger_claim_counts_too() {
        let mut bytes = end_record(50_000);
        bytes.extend(end_record(0));
        assert_eq!(scan(&bytes, 256).claimed_entries, 50_000);
    }

    #[test]
    fn short_or_foreign_input_claims_nothing() {
        assert_eq!(scan(b"", 10), EndRecords::default());
        assert_eq!(scan(&[0xAB; 100], 10), EndRecords::default());
    }
}
