//! How reminders are kept in kv: one key per reminder, numbered per user.

use serde::{Deserialize, Serialize};

/// The most reminders one user may have waiting; the scheduler's quota
/// (1,000 jobs) is the app's, so one user must not take it all.
pub const MAX_PER_USER: usize = 25;

/// A waiting reminder, under [`key`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// The user's own number for it, as `/remind list` shows it.
    pub number: u64,
    pub user_id: String,
    pub username: String,
    pub room_id: String,
    pub thread_id: Option<String>,
    pub text: String,
    pub due_ms: u64,
    /// The scheduler's job; empty until it is scheduled.
    pub job_id: String,
}

/// What the job carries: enough to find the reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobPayload {
    pub user_id: String,
    pub number: u64,
}

/// The job name of every reminder.
pub const JOB: &str = "reminder";

/// The prefix of all of a user's reminders.
pub fn prefix(user_id: &str) -> String {
    format!("reminder:{user_id}:")
}

/// The key of reminder `number` of `user_id`.
pub fn key(user_id: &str, number: u64) -> String {
    format!("{}{number}", prefix(user_id))
}

/// The key of the user's last number given.
pub fn counter_key(user_id: &str) -> String {
    format!("counter:{user_id}")
}

/// The reminder as posted when it fires: a mention, so the user is
/// notified, then the text.
pub fn fired_text(reminder: &Reminder) -> String {
    format!("⏰ @{} reminder: {}", reminder.username, reminder.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_do_not_overlap_between_users() {
        assert_eq!(key("u1", 3), "reminder:u1:3");
        assert!(key("u1", 3).starts_with(&prefix("u1")));
        assert!(!key("u10", 3).starts_with(&prefix("u1")));
        assert_ne!(counter_key("u1"), prefix("u1"));
    }

    #[test]
    fn a_fired_reminder_mentions_its_user() {
        let reminder = Reminder {
            number: 1,
            user_id: "u1".into(),
            username: "alice".into(),
            room_id: "GENERAL".into(),
            thread_id: None,
            text: "water the plants".into(),
            due_ms: 0,
            job_id: "j".into(),
        };
        assert_eq!(
            fired_text(&reminder),
            "⏰ @alice reminder: water the plants"
        );
        let payload = capsule_sdk::serde_json::to_vec(&JobPayload {
            user_id: "u1".into(),
            number: 1,
        })
        .unwrap();
        assert_eq!(
            capsule_sdk::serde_json::from_slice::<JobPayload>(&payload).unwrap(),
            JobPayload {
                user_id: "u1".into(),
                number: 1
            }
        );
    }
}
