//! What `/poll` takes: a question and its options, each one argument.
//!
//! Arguments are split like a shell does, only simpler: whitespace
//! separates them, and double quotes (`"..."`, or the typographic `“...”`
//! that phones and some keyboards type) group words into one argument.
//! Inside quotes `\"` is a quote and `\\` a backslash. So
//!
//! ```text
//! /poll "Where do we eat?" Pizza "Sushi bar" "The \"new\" place"
//! ```
//!
//! is the question `Where do we eat?` with three options.

/// The most options a poll may have: one button each, and more than ten
/// buttons are no longer a quick choice.
pub const MAX_OPTIONS: usize = 10;
/// The longest question, in characters.
pub const MAX_QUESTION: usize = 300;
/// The longest option, in characters (it is a button's label).
pub const MAX_OPTION: usize = 80;

/// The usage line shown with every refusal.
pub const USAGE: &str = "usage: /poll \"Question?\" \"Option A\" \"Option B\" ... (2 to 10 options; quote anything with spaces)";

/// A question and its options, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollSpec {
    pub question: String,
    pub options: Vec<String>,
}

/// Splits `raw` into arguments; an unclosed quote is an error.
pub fn split(raw: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut current = String::new();
    // Inside quotes: the character that closes them.
    let mut closing: Option<char> = None;
    // Whether `current` is an argument, even an empty one (`""`).
    let mut started = false;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match closing {
            Some(close) => {
                if c == close {
                    closing = None;
                } else if c == '\\' {
                    match chars.next() {
                        Some(next @ ('"' | '\\' | '”')) => current.push(next),
                        Some(next) => {
                            current.push('\\');
                            current.push(next);
                        }
                        None => current.push('\\'),
                    }
                } else {
                    current.push(c);
                }
            }
            None => match c {
                '"' => {
                    closing = Some('"');
                    started = true;
                }
                '“' => {
                    closing = Some('”');
                    started = true;
                }
                c if c.is_whitespace() => {
                    if started {
                        args.push(std::mem::take(&mut current));
                        started = false;
                    }
                }
                c => {
                    current.push(c);
                    started = true;
                }
            },
        }
    }
    if let Some(close) = closing {
        return Err(format!(
            "a quote is not closed: add the closing {close} ({USAGE})"
        ));
    }
    if started {
        args.push(current);
    }
    Ok(args)
}

/// Parses and checks the arguments of `/poll`.
pub fn parse(raw: &str) -> Result<PollSpec, String> {
    let mut args = split(raw)?.into_iter().map(|a| a.trim().to_owned());
    let question = args.next().unwrap_or_default();
    if question.is_empty() {
        return Err(format!("a poll needs a question ({USAGE})"));
    }
    if question.chars().count() > MAX_QUESTION {
        return Err(format!(
            "the question is longer than {MAX_QUESTION} characters"
        ));
    }
    let options: Vec<String> = args.collect();
    if options.len() < 2 {
        return Err(format!(
            "a poll needs at least 2 options, this one has {} ({USAGE})",
            options.len()
        ));
    }
    if options.len() > MAX_OPTIONS {
        return Err(format!(
            "a poll may have at most {MAX_OPTIONS} options, this one has {}",
            options.len()
        ));
    }
    for (i, option) in options.iter().enumerate() {
        if option.is_empty() {
            return Err(format!("option {} is empty", i + 1));
        }
        if option.chars().count() > MAX_OPTION {
            return Err(format!(
                "option {} is longer than {MAX_OPTION} characters",
                i + 1
            ));
        }
        if let Some(first) = options[..i]
            .iter()
            .position(|o| o.to_lowercase() == option.to_lowercase())
        {
            return Err(format!(
                "options {} and {} are the same (`{option}`)",
                first + 1,
                i + 1
            ));
        }
    }
    Ok(PollSpec { question, options })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn quotes_group_words_and_plain_words_stand_alone() {
        assert_eq!(
            split(r#""Where do we eat?" Pizza   "Sushi bar""#).unwrap(),
            strings(&["Where do we eat?", "Pizza", "Sushi bar"])
        );
        assert_eq!(split("  a\tb\nc ").unwrap(), strings(&["a", "b", "c"]));
        assert_eq!(split("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn escapes_typographic_quotes_and_empty_arguments() {
        assert_eq!(
            split(r#""The \"new\" place" "a \\ b" "c:\d""#).unwrap(),
            strings(&[r#"The "new" place"#, r"a \ b", r"c:\d"])
        );
        assert_eq!(
            split("“Tea or coffee?” Tea “Black coffee”").unwrap(),
            strings(&["Tea or coffee?", "Tea", "Black coffee"])
        );
        assert_eq!(split(r#""" x"#).unwrap(), strings(&["", "x"]));
        // Quotes next to a word join it, as in a shell.
        assert_eq!(split(r#"a"b c"d"#).unwrap(), strings(&["ab cd"]));
    }

    #[test]
    fn an_unclosed_quote_is_refused() {
        let error = split(r#""Lunch? Pizza"#).unwrap_err();
        assert!(error.contains("not closed"), "{error}");
        assert!(split("“Lunch? Pizza").unwrap_err().contains('”'));
        assert!(split(r#""trailing \"#).is_err());
    }

    #[test]
    fn a_poll_is_a_question_and_two_to_ten_distinct_options() {
        assert_eq!(
            parse(r#""Lunch?" Pizza "Sushi bar""#).unwrap(),
            PollSpec {
                question: "Lunch?".into(),
                options: strings(&["Pizza", "Sushi bar"]),
            }
        );
        assert!(parse("").unwrap_err().contains("needs a question"));
        assert!(parse(r#""" a b"#).unwrap_err().contains("needs a question"));
        assert!(
            parse("Lunch? Pizza")
                .unwrap_err()
                .contains("at least 2 options, this one has 1")
        );
        let eleven = format!(
            "Q {}",
            (1..=11)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert!(parse(&eleven).unwrap_err().contains("at most 10"));
        let ten = format!(
            "Q {}",
            (1..=10)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert_eq!(parse(&ten).unwrap().options.len(), 10);
        assert_eq!(parse(r#"Q a "  ""#).unwrap_err(), "option 2 is empty");
        assert_eq!(
            parse("Q Pizza pizza").unwrap_err(),
            "options 1 and 2 are the same (`pizza`)"
        );
        assert!(
            parse(&format!("Q a {}", "x".repeat(81)))
                .unwrap_err()
                .contains("longer than 80")
        );
        assert!(
            parse(&format!("{} a b", "q".repeat(301)))
                .unwrap_err()
                .contains("longer than 300")
        );
    }
}
