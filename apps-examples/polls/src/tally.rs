//! Votes and how a poll shows them: pure functions, so they are tested on
//! the host.

use serde::{Deserialize, Serialize};

/// A poll as the app keeps it in kv, under [`poll_key`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poll {
    pub question: String,
    pub options: Vec<String>,
    /// Who asked, by username, shown under the tally.
    pub asked_by: String,
}

/// The kv key of the poll posted as message `message_id`.
pub fn poll_key(message_id: &str) -> String {
    format!("poll:{message_id}")
}

/// The prefix of every ballot of a poll.
pub fn ballot_prefix(message_id: &str) -> String {
    format!("ballot:{message_id}:")
}

/// The kv key of `user_id`'s ballot on a poll. One key per voter, not one
/// document per poll: two people voting at once write different keys, so
/// neither waits for the other.
pub fn ballot_key(message_id: &str, user_id: &str) -> String {
    format!("{}{user_id}", ballot_prefix(message_id))
}

/// The kv key of a poll's vote counter, incremented after every ballot
/// written: an edit of the tally made under an older count may have landed
/// after a newer one, and is then made again.
pub fn changes_key(message_id: &str) -> String {
    format!("changes:{message_id}")
}

/// The choice a stored ballot holds; `None` for none or an unreadable one
/// (which a press then overwrites).
pub fn ballot_choice(stored: Option<&[u8]>) -> Option<usize> {
    std::str::from_utf8(stored?).ok()?.parse().ok()
}

/// What pressing an option does to a voter's ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vote {
    /// No vote before: this option now has it.
    Cast(usize),
    /// The vote moves from the first option to the second.
    Moved { from: usize, to: usize },
    /// The same option pressed again: the vote is withdrawn.
    Withdrawn(usize),
}

impl Vote {
    /// The change a press on `pressed` makes to a ballot that was `before`.
    pub fn of(before: Option<usize>, pressed: usize) -> Vote {
        match before {
            None => Vote::Cast(pressed),
            Some(from) if from == pressed => Vote::Withdrawn(pressed),
            Some(from) => Vote::Moved { from, to: pressed },
        }
    }

    /// The ballot after the press.
    pub fn after(self) -> Option<usize> {
        match self {
            Vote::Cast(to) | Vote::Moved { to, .. } => Some(to),
            Vote::Withdrawn(_) => None,
        }
    }

    /// The private answer to the voter.
    pub fn describe(self, poll: &Poll) -> String {
        let name = |i: usize| poll.options.get(i).map(String::as_str).unwrap_or("?");
        match self {
            Vote::Cast(to) => format!("You voted for {}.", name(to)),
            Vote::Moved { from, to } => {
                format!("You moved your vote from {} to {}.", name(from), name(to))
            }
            Vote::Withdrawn(from) => format!(
                "You withdrew your vote for {}; press an option to vote again.",
                name(from)
            ),
        }
    }
}

/// Counts ballots per option; ballots naming no option (a poll edited
/// under them, a damaged value) are left out.
pub fn count(options: usize, ballots: impl IntoIterator<Item = usize>) -> Vec<u32> {
    let mut counts = vec![0u32; options];
    for ballot in ballots {
        if let Some(n) = counts.get_mut(ballot) {
            *n += 1;
        }
    }
    counts
}

/// The tally under the question: one line per option with its votes, a
/// bar and its share, then the total.
///
/// ```text
/// Pizza — 2 votes ██████████ 67%
/// Sushi — 1 vote █████ 33%
/// 3 votes · asked by @alice · press again to withdraw your vote
/// ```
pub fn render(poll: &Poll, counts: &[u32]) -> String {
    let total: u32 = counts.iter().sum();
    let mut lines = Vec::with_capacity(poll.options.len() + 1);
    for (option, &n) in poll.options.iter().zip(counts) {
        // Rounded to the nearest percent; 0 when nobody voted.
        let share = (n * 100 + total / 2).checked_div(total).unwrap_or(0);
        let bar = "█".repeat(((share + 5) / 10) as usize);
        let line = if bar.is_empty() {
            format!("{option} — {} {share}%", votes(n))
        } else {
            format!("{option} — {} {bar} {share}%", votes(n))
        };
        lines.push(line);
    }
    lines.push(format!(
        "{} · asked by @{} · press again to withdraw your vote",
        votes(total),
        poll.asked_by
    ));
    lines.join("\n")
}

fn votes(n: u32) -> String {
    if n == 1 {
        "1 vote".to_owned()
    } else {
        format!("{n} votes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lunch() -> Poll {
        Poll {
            question: "Lunch?".into(),
            options: vec!["Pizza".into(), "Sushi".into(), "Salad".into()],
            asked_by: "alice".into(),
        }
    }

    #[test]
    fn a_press_casts_moves_or_withdraws() {
        assert_eq!(Vote::of(None, 1), Vote::Cast(1));
        assert_eq!(Vote::of(Some(0), 2), Vote::Moved { from: 0, to: 2 });
        assert_eq!(Vote::of(Some(2), 2), Vote::Withdrawn(2));
        assert_eq!(Vote::Cast(1).after(), Some(1));
        assert_eq!(Vote::Moved { from: 0, to: 2 }.after(), Some(2));
        assert_eq!(Vote::Withdrawn(2).after(), None);
        let poll = lunch();
        assert_eq!(Vote::Cast(0).describe(&poll), "You voted for Pizza.");
        assert_eq!(
            Vote::Moved { from: 0, to: 1 }.describe(&poll),
            "You moved your vote from Pizza to Sushi."
        );
        assert!(
            Vote::Withdrawn(2)
                .describe(&poll)
                .starts_with("You withdrew your vote for Salad")
        );
    }

    #[test]
    fn ballots_are_counted_per_option_and_strays_ignored() {
        assert_eq!(count(3, [0, 1, 0, 7]), vec![2, 1, 0]);
        assert_eq!(count(2, []), vec![0, 0]);
    }

    #[test]
    fn the_tally_shows_votes_bars_shares_and_the_total() {
        let poll = lunch();
        assert_eq!(
            render(&poll, &[2, 1, 0]),
            "Pizza — 2 votes ███████ 67%\n\
             Sushi — 1 vote ███ 33%\n\
             Salad — 0 votes 0%\n\
             3 votes · asked by @alice · press again to withdraw your vote"
        );
        assert_eq!(
            render(&poll, &[0, 0, 0]).lines().next().unwrap(),
            "Pizza — 0 votes 0%"
        );
        assert!(render(&poll, &[1, 0, 0]).starts_with("Pizza — 1 vote ██████████ 100%\n"));
    }

    #[test]
    fn keys_are_per_poll_and_per_voter() {
        assert_eq!(poll_key("m1"), "poll:m1");
        assert_eq!(ballot_key("m1", "u1"), "ballot:m1:u1");
        assert!(ballot_key("m1", "u1").starts_with(&ballot_prefix("m1")));
        assert!(!ballot_key("m10", "u1").starts_with(&ballot_prefix("m1")));
        assert!(!changes_key("m1").starts_with(&ballot_prefix("m1")));
        assert_eq!(ballot_choice(Some(b"2")), Some(2));
        assert_eq!(ballot_choice(Some(b"two")), None);
        assert_eq!(ballot_choice(None), None);
    }
}
