//! Pagination and sorting of lists.

/// Which slice of a list to return. `count == 0` means no limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub count: u64,
    pub sort: Vec<Sort>,
}

impl Page {
    /// The first `count` items in the default order.
    pub fn first(count: u64) -> Page {
        Page {
            offset: 0,
            count,
            sort: Vec::new(),
        }
    }

    /// Every item.
    pub fn all() -> Page {
        Page::first(0)
    }
}

/// One sort key: a field of the record's document (`name`, `ts`,
/// `usersCount`, ...) and a direction. Each listing says which fields it
/// sorts by; others are refused with [`StoreError::Invalid`](super::StoreError::Invalid).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sort {
    pub field: String,
    pub descending: bool,
}
