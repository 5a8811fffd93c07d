//! Finding people and rooms: presence lists, the directory, spotlight and
//! username suggestions.

use super::*;

impl Chat {
    /// A free username made from `actor`'s name
    /// (`users.getUsernameSuggestion`).
    pub async fn username_suggestion(&self, actor: &User) -> Result<String, ChatError> {
        let mut base = slug(&actor.name);
        if base.is_empty() {
            base = slug(&actor.username);
        }
        if base.is_empty() {
            base = "user".to_owned();
        }
        for n in 0..1000u32 {
            let candidate = if n == 0 {
                base.clone()
            } else {
                format!("{base}{n}")
            };
            if self.store.user_by_username(&candidate).await?.is_none() {
                return Ok(candidate);
            }
        }
        Ok(format!(
            "{base}.{}",
            crate::model::random_id().to_lowercase()
        ))
    }

    /// Users who are not offline, all of them or those of `ids`.
    pub async fn users_present(&self, ids: Option<&[UserId]>) -> Result<Vec<User>, ChatError> {
        let users = match ids {
            Some(ids) => self.store.users(ids).await?,
            None => {
                let filter = UserFilter {
                    active: Some(true),
                    ..UserFilter::default()
                };
                self.store.list_users(&filter, &Page::all()).await?.items
            }
        };
        Ok(users
            .into_iter()
            .filter(|u| u.active && u.status != Presence::Offline)
            .collect())
    }

    /// A page of the user directory (`directory`, type `users`): active
    /// accounts only.
    pub async fn directory_users(
        &self,
        text: Option<String>,
        page: &Page,
    ) -> Result<Paged<User>, ChatError> {
        let filter = UserFilter {
            text,
            active: Some(true),
            ..UserFilter::default()
        };
        Ok(self.store.list_users(&filter, page).await?)
    }

    /// Active users and the rooms `actor` may see (public channels, and
    /// private groups they are in) whose name contains `text`, at most
    /// `limit` of each (`spotlight`). A leading `@` searches users only, a
    /// leading `#` rooms only.
    pub async fn spotlight(
        &self,
        actor: &User,
        text: &str,
        limit: u64,
    ) -> Result<(Vec<User>, Vec<Room>), ChatError> {
        let text = text.trim();
        let (want_users, want_rooms, text) = match (text.strip_prefix('@'), text.strip_prefix('#'))
        {
            (Some(rest), _) => (true, false, rest),
            (_, Some(rest)) => (false, true, rest),
            _ => (true, true, text),
        };
        let text = Some(text.to_owned()).filter(|t| !t.is_empty());
        let page = Page::first(limit);
        let users = if want_users {
            self.directory_users(text.clone(), &page).await?.items
        } else {
            Vec::new()
        };
        let mut rooms = Vec::new();
        if want_rooms {
            rooms = self.public_channels(text.clone(), &page).await?.items;
            let groups = RoomFilter {
                kinds: vec![RoomKind::PrivateGroup],
                text,
                member: Some(actor.id.clone()),
                ..RoomFilter::default()
            };
            rooms.extend(self.store.list_rooms(&groups, &page).await?.items);
            rooms.sort_by(|a, b| a.name.cmp(&b.name));
            rooms.truncate(limit as usize);
        }
        Ok((users, rooms))
    }
}
