//! A user's offset from UTC, as their client reports it (Rocket.Chat's
//! `userSetUtcOffset`). Apps read it to show clock times in the user's
//! own time.

use super::*;

/// The westernmost offset in use (Baker Island), in hours.
const MIN_HOURS: f64 = -12.0;
/// The easternmost offset in use (the Line Islands), in hours.
const MAX_HOURS: f64 = 14.0;

/// Checks an offset in hours: a finite number within the offsets real
/// time zones use, so an app never computes a time from nonsense.
fn check_utc_offset(hours: f64) -> Result<f64, ChatError> {
    if !hours.is_finite() {
        return Err(ChatError::invalid(
            "error-invalid-params",
            "the UTC offset must be a finite number of hours",
        ));
    }
    if !(MIN_HOURS..=MAX_HOURS).contains(&hours) {
        return Err(ChatError::invalid(
            "error-invalid-params",
            format!(
                "a UTC offset of {hours} hours is out of range: it must be between {MIN_HOURS} and +{MAX_HOURS}"
            ),
        ));
    }
    Ok(hours)
}

impl Chat {
    /// Records the offset from UTC, in hours east, that `actor`'s client
    /// reports. Clients report it on every connection, so an unchanged
    /// offset is not written again.
    pub async fn set_utc_offset(&self, actor: &User, hours: f64) -> Result<User, ChatError> {
        let hours = check_utc_offset(hours)?;
        // Read again, as `set_status` does, so a change made since the
        // caller loaded the account is not overwritten.
        let mut user = self.user(&actor.id).await?;
        if user.utc_offset == Some(hours) {
            return Ok(user);
        }
        user.utc_offset = Some(hours);
        user.updated_at = Timestamp::now();
        self.store.update_user(&user).await?;
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_of_real_time_zones_are_accepted() {
        for hours in [-12.0, -3.0, 0.0, 5.5, 5.75, 14.0] {
            assert_eq!(check_utc_offset(hours).unwrap(), hours);
        }
    }

    #[test]
    fn offsets_outside_real_time_zones_are_refused_with_the_range() {
        for hours in [-12.5, 14.25, 20.0, 330.0] {
            let error = check_utc_offset(hours).unwrap_err().to_string();
            assert!(error.contains("between -12 and +14"), "{hours}: {error}");
        }
        for hours in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let error = check_utc_offset(hours).unwrap_err().to_string();
            assert!(error.contains("finite"), "{hours}: {error}");
        }
    }
}
