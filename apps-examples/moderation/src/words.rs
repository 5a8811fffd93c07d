//! The word list and masking: pure text processing, no host calls.
//!
//! A *word* is a word segment as Unicode defines it (UAX #29, through
//! `unicode-segmentation`): `don't`, `e-mail`'s two halves, `naïve` (also
//! written with a combining accent), each Han ideograph. Matching is on
//! whole words and case-insensitive (Unicode lower case, so it works in
//! any script): `Darn` and `DARN!` match `darn`, `darned` and `undarn` do
//! not. An entry of several words (`darn it`) matches those words in a
//! row, whatever spaces or punctuation separate them.

use std::collections::HashMap;

use unicode_segmentation::UnicodeSegmentation;

/// The parsed `words` setting.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct WordList {
    /// Each entry as its lower-cased words, grouped by its first word so a
    /// text's word is checked with one lookup. Longest entries first, so
    /// the longest match wins.
    by_first: HashMap<String, Vec<Vec<String>>>,
    len: usize,
}

impl WordList {
    /// Parses a list separated by commas and/or line breaks. Blank entries
    /// and duplicates are skipped; so is an entry with no word in it
    /// (`!!!`), which could never match.
    pub fn parse(list: &str) -> WordList {
        let mut out = WordList::default();
        for entry in list.split([',', '\n', '\r']) {
            let words: Vec<String> = words(entry).map(|(_, w)| fold(w)).collect();
            let Some(first) = words.first().cloned() else {
                continue;
            };
            let group = out.by_first.entry(first).or_default();
            if !group.contains(&words) {
                group.push(words);
                out.len += 1;
            }
        }
        for group in out.by_first.values_mut() {
            group.sort_by_key(|entry| std::cmp::Reverse(entry.len()));
        }
        out
    }

    /// How many distinct entries the list has.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list has no entries (masking then changes nothing).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `text` with every listed word masked, or `None` when nothing in it
    /// is listed (so the caller can leave the message alone).
    pub fn mask(&self, text: &str, mask: &Mask) -> Option<String> {
        if self.is_empty() || text.is_empty() {
            return None;
        }
        let tokens: Vec<(usize, &str)> = words(text).collect();
        let mut out = String::new();
        let mut copied = 0; // bytes of `text` already handled
        // One buffer for every word's folded form: no allocation per word.
        let mut folded = String::new();
        let mut i = 0;
        while i < tokens.len() {
            folded.clear();
            fold_into(tokens[i].1, &mut folded);
            let n = self.match_len(&folded, &tokens[i + 1..]);
            if n == 0 {
                i += 1;
                continue;
            }
            if out.is_empty() {
                out.reserve(text.len());
            }
            // Mask each matched word; what separates them stays.
            for &(at, word) in &tokens[i..i + n] {
                out.push_str(&text[copied..at]);
                mask.push_over(word, &mut out);
                copied = at + word.len();
            }
            i += n;
        }
        if copied == 0 {
            // Every match ends past byte 0, so nothing matched.
            return None;
        }
        out.push_str(&text[copied..]);
        Some(out)
    }

    /// The number of words of the longest entry that starts with the word
    /// folded to `first` and goes on with the words `rest`, or 0.
    fn match_len(&self, first: &str, rest: &[(usize, &str)]) -> usize {
        let Some(entries) = self.by_first.get(first) else {
            return 0;
        };
        entries
            .iter()
            .find(|entry| {
                entry.len() <= rest.len() + 1
                    && entry[1..]
                        .iter()
                        .zip(rest)
                        .all(|(want, (_, got))| folds_to(got, want))
            })
            .map_or(0, Vec::len)
    }
}

/// Appends `word` folded for comparison: lower-cased character by
/// character, with the Greek final sigma as a plain one (`ΛΌΓΟΣ`, `λόγος`
/// and `ΛΌΓΟΣ` lower-cased all fold to `λόγοσ`).
fn fold_into(word: &str, out: &mut String) {
    for c in word.chars().flat_map(char::to_lowercase) {
        out.push(if c == 'ς' { 'σ' } else { c });
    }
}

fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    fold_into(word, &mut out);
    out
}

/// Whether `word` folds to `folded`, without allocating.
fn folds_to(word: &str, folded: &str) -> bool {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ς' { 'σ' } else { c })
        .eq(folded.chars())
}

/// What a masked word becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Mask {
    /// Repeated once per character (grapheme cluster) of the word, so the
    /// text keeps its shape: `darn` becomes `****`.
    Repeat(String),
    /// Replaces the whole word: `darn` becomes `[removed]`.
    Replace(String),
}

impl Mask {
    /// The `mask` setting: one character (grapheme cluster) is repeated,
    /// anything longer replaces the word, and an empty setting means `*`.
    pub fn parse(setting: &str) -> Mask {
        let setting = setting.trim();
        match setting.graphemes(true).count() {
            0 => Mask::Repeat("*".to_owned()),
            1 => Mask::Repeat(setting.to_owned()),
            _ => Mask::Replace(setting.to_owned()),
        }
    }

    fn push_over(&self, word: &str, out: &mut String) {
        match self {
            Mask::Repeat(c) => {
                for _ in word.graphemes(true) {
                    out.push_str(c);
                }
            }
            Mask::Replace(with) => out.push_str(with),
        }
    }
}

impl Default for Mask {
    fn default() -> Self {
        Mask::Repeat("*".to_owned())
    }
}

/// The words of `text` with their byte offsets: the UAX #29 word segments
/// that hold a letter or a digit (not spaces, punctuation or emoji).
pub fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_word_bound_indices()
        .filter(|(_, segment)| segment.chars().any(char::is_alphanumeric))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(list: &str, text: &str) -> Option<String> {
        WordList::parse(list).mask(text, &Mask::default())
    }

    #[test]
    fn words_are_unicode_word_segments_without_punctuation() {
        let got: Vec<&str> = words("Hi, don't  stop—naïve 3.5 café! 👍")
            .map(|(_, w)| w)
            .collect();
        assert_eq!(got, ["Hi", "don't", "stop", "naïve", "3.5", "café"]);
        assert_eq!(words("a  b").map(|(at, _)| at).collect::<Vec<_>>(), [0, 3]);
        assert_eq!(words("").count(), 0);
        assert_eq!(words(" ... !!").count(), 0);
    }

    #[test]
    fn the_list_splits_on_commas_and_line_breaks_and_skips_blanks_and_duplicates() {
        let list = WordList::parse(" darn, Heck \n\r\nheck,,  ,!!!\ndarn it\r\nDARN");
        assert_eq!(list.len(), 3);
        assert!(WordList::parse("").is_empty());
        assert!(WordList::parse(" , \n ?! ").is_empty());
    }

    #[test]
    fn a_listed_word_is_masked_keeping_its_length_and_the_rest_of_the_text() {
        assert_eq!(mask("darn", "oh darn it"), Some("oh **** it".to_owned()));
        assert_eq!(mask("darn", "darn"), Some("****".to_owned()));
        assert_eq!(
            mask("darn, heck", "heck, darn!"),
            Some("****, ****!".to_owned())
        );
    }

    #[test]
    fn text_without_a_listed_word_is_left_alone() {
        assert_eq!(mask("darn", "all good here"), None);
        assert_eq!(mask("darn", ""), None);
        assert_eq!(mask("", "darn"), None);
    }

    #[test]
    fn matching_ignores_case_in_any_script() {
        assert_eq!(mask("darn", "DaRn"), Some("****".to_owned()));
        assert_eq!(mask("DARN", "darn"), Some("****".to_owned()));
        assert_eq!(mask("ÉCOLE", "une école"), Some("une *****".to_owned()));
        assert_eq!(mask("дурак", "Ты ДУРАК."), Some("Ты *****.".to_owned()));
        assert_eq!(mask("ΛΌΓΟΣ", "ο λόγος"), Some("ο *****".to_owned()));
        assert_eq!(mask("λόγος", "ΛΌΓΟΣ λόγοσ"), Some("***** *****".to_owned()));
    }

    #[test]
    fn only_whole_words_match() {
        assert_eq!(mask("ass", "a classic assessment"), None);
        assert_eq!(mask("darn", "darned undarn darn_it"), None);
        assert_eq!(
            mask("darn", "(darn) \"darn\" darn's-"),
            Some("(****) \"****\" darn's-".to_owned())
        );
    }

    #[test]
    fn punctuation_next_to_a_word_is_kept() {
        assert_eq!(
            mask("darn", "darn!!! ...darn? darn."),
            Some("****!!! ...****? ****.".to_owned())
        );
        assert_eq!(mask("darn", "¡darn!"), Some("¡****!".to_owned()));
    }

    #[test]
    fn length_is_counted_in_characters_as_people_see_them() {
        // "café" with a combining acute accent: five chars, four graphemes.
        let decomposed = "cafe\u{301}";
        assert_eq!(mask(decomposed, decomposed), Some("****".to_owned()));
        assert_eq!(mask("naïve", "so naïve"), Some("so *****".to_owned()));
    }

    #[test]
    fn ideographs_are_words_of_their_own() {
        assert_eq!(mask("笨蛋", "你是笨蛋吗"), Some("你是**吗".to_owned()));
        assert_eq!(mask("笨", "笨蛋"), Some("*蛋".to_owned()));
    }

    #[test]
    fn an_entry_of_several_words_masks_them_in_a_row_and_keeps_the_separators() {
        assert_eq!(
            mask("darn it", "oh darn it!"),
            Some("oh **** **!".to_owned())
        );
        assert_eq!(
            mask("darn it", "darn-it, darn,  it"),
            Some("****-**, ****,  **".to_owned())
        );
        assert_eq!(mask("darn it", "darn that"), None);
        assert_eq!(mask("darn it", "it darn"), None);
        // The longest entry wins where entries overlap.
        assert_eq!(
            mask("darn, darn it all", "darn it all"),
            Some("**** ** ***".to_owned())
        );
        assert_eq!(
            mask("darn, darn it all", "darn it"),
            Some("**** it".to_owned())
        );
    }

    #[test]
    fn the_mask_setting_repeats_one_character_or_replaces_the_word() {
        assert_eq!(Mask::parse(""), Mask::Repeat("*".to_owned()));
        assert_eq!(Mask::parse(" # "), Mask::Repeat("#".to_owned()));
        assert_eq!(Mask::parse("🙊"), Mask::Repeat("🙊".to_owned()));
        assert_eq!(
            Mask::parse("[removed]"),
            Mask::Replace("[removed]".to_owned())
        );
        let list = WordList::parse("darn");
        assert_eq!(
            list.mask("oh darn", &Mask::parse("#")),
            Some("oh ####".to_owned())
        );
        assert_eq!(
            list.mask("oh darn", &Mask::parse("🙊")),
            Some("oh 🙊🙊🙊🙊".to_owned())
        );
        assert_eq!(
            list.mask("oh darn", &Mask::parse("[removed]")),
            Some("oh [removed]".to_owned())
        );
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let list = WordList::parse("a\u{0}b, \u{200d}, \u{301}x, ﷽");
        for text in [
            "\u{0}",
            "\u{301}\u{301}",
            "a\u{0}b",
            "\u{200d}\u{200d}x",
            "﷽﷽",
            "\u{10FFFF}",
        ] {
            let _ = list.mask(text, &Mask::default());
        }
        let long = "darn ".repeat(13_000);
        let masked = WordList::parse("darn")
            .mask(&long, &Mask::default())
            .unwrap();
        assert_eq!(masked.len(), long.len());
        assert!(!masked.contains("darn"));
    }
}
