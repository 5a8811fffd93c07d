//! The rules every file name in a package obeys, shared by the archive
//! reader, the archive writer and the manifest's `component` and `icon`.
//!
//! Names are relative, `/`-separated and plain: nothing that could escape
//! the package when it is unpacked (zip-slip), nothing a platform would read
//! differently (backslashes, drive letters), and nothing that could forge a
//! line of the canonical digest (control characters).

/// The longest name accepted unless the limits say otherwise, in bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// Why a name is refused.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameProblem {
    /// The name is empty.
    #[error("the name is empty; give every file a name")]
    Empty,
    /// The name is longer than allowed.
    #[error("the name is {len} bytes long; at most {limit} are allowed, so shorten it")]
    TooLong { len: usize, limit: usize },
    /// The name starts at the root or with a drive letter.
    #[error("the name is absolute; use a path relative to the package root")]
    Absolute,
    /// The name contains a backslash.
    #[error("the name contains a backslash; separate directories with `/`")]
    Backslash,
    /// The name has a `..` component.
    #[error(
        "the name has a `..` component, which would point outside the package; keep every file inside it"
    )]
    ParentComponent,
    /// The name has an empty or `.` component (`a//b`, `./a`).
    #[error("the name has an empty or `.` component; write the plain path")]
    EmptyComponent,
    /// The name contains a control character (such as a newline).
    #[error("the name contains a control character; rename the file")]
    ControlCharacter,
}

/// Checks a file name (no trailing `/`) against the package rules.
pub fn check_name(name: &str, max_bytes: usize) -> Result<(), NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    if name.len() > max_bytes {
        return Err(NameProblem::TooLong {
            len: name.len(),
            limit: max_bytes,
        });
    }
    if name.chars().any(char::is_control) {
        return Err(NameProblem::ControlCharacter);
    }
    if name.contains('\\') {
        return Err(NameProblem::Backslash);
    }
    if name.starts_with('/') || has_drive_letter(name) {
        return Err(NameProblem::Absolute);
    }
    for component in name.split('/') {
        match component {
            ".." => return Err(NameProblem::ParentComponent),
            "" | "." => return Err(NameProblem::EmptyComponent),
            _ => {}
        }
    }
    Ok(())
}

/// `C:` and the like: absolute on Windows even without a leading slash.
fn has_drive_letter(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_names_pass() {
        for name in ["app.wasm", "assets/icon.png", "a/b/c.d.e", "ünïcode.txt"] {
            assert_eq!(check_name(name, MAX_NAME_BYTES), Ok(()), "{name}");
        }
    }

    #[test]
    fn escaping_and_ambiguous_names_are_refused() {
        let cases = [
            ("", NameProblem::Empty),
            ("/etc/passwd", NameProblem::Absolute),
            ("C:/x", NameProblem::Absolute),
            ("a\\b", NameProblem::Backslash),
            ("../evil", NameProblem::ParentComponent),
            ("a/../../b", NameProblem::ParentComponent),
            ("a//b", NameProblem::EmptyComponent),
            ("./a", NameProblem::EmptyComponent),
            ("a\nb", NameProblem::ControlCharacter),
            ("a\0", NameProblem::ControlCharacter),
        ];
        for (name, problem) in cases {
            assert_eq!(check_name(name, MAX_NAME_BYTES), Err(problem), "{name:?}");
        }
        assert_eq!(
            check_name(&"x".repeat(256), 255),
            Err(NameProblem::TooLong {
                len: 256,
                limit: 255
            })
        );
    }
}
