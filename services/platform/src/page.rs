//! Keyset pages for every list an API serves: a page holds at most `limit`
//! items and, when there are more, an opaque cursor for the next page
//! (`?after=<cursor>`), which names the last item's sort key and id, so a
//! page costs the same however deep it is and nothing is skipped or shown
//! twice when rows are added meanwhile.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{IntoCondition, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, Value};
use serde::{Deserialize, Serialize};

use crate::http::ApiError;

/// The paging part of a list's query string.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// The `next` cursor of the previous page.
    #[param(max_length = 512)]
    #[serde(default)]
    pub after: Option<String>,
    /// How many items, 1 to 500.
    #[param(minimum = 1, maximum = 500)]
    #[serde(default)]
    pub limit: Option<u64>,
}

/// Where the previous page ended: the last item's sort key and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort key, as text.
    pub key: String,
    /// The id, as text (ties on the key are broken by it).
    pub id: String,
}

impl Cursor {
    /// A cursor after the item with `key` and `id`.
    pub fn new(key: impl ToString, id: impl ToString) -> Self {
        Self { key: key.to_string(), id: id.to_string() }
    }

    /// The opaque text a client sends back.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(&self.key, &self.id)).unwrap_or_default())
    }

    fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let (key, id): (String, String) = serde_json::from_slice(&bytes).ok()?;
        Some(Self { key, id })
    }

    /// The key parsed as `T`, or the usual error for a cursor that is not ours.
    pub fn key_as<T: std::str::FromStr>(&self) -> Result<T, ApiError> {
        self.key.parse().map_err(|_| invalid_cursor())
    }

    /// The id parsed as `T`.
    pub fn id_as<T: std::str::FromStr>(&self) -> Result<T, ApiError> {
        self.id.parse().map_err(|_| invalid_cursor())
    }
}

fn invalid_cursor() -> ApiError {
    ApiError::invalid("invalid_cursor", "after must be the `next` value of a previous page")
}

/// The largest page.
pub const MAX_LIMIT: u64 = 500;

impl PageQuery {
    /// The page size asked for, `default` when absent.
    pub fn limit(&self, default: u64) -> Result<u64, ApiError> {
        let limit = self.limit.unwrap_or(default);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid("invalid_limit", format!("limit must be 1 to {MAX_LIMIT}")));
        }
        Ok(limit)
    }

    /// The cursor of the previous page, if any.
    pub fn cursor(&self) -> Result<Option<Cursor>, ApiError> {
        match self.after.as_deref() {
            None | Some("") => Ok(None),
            Some(text) => Cursor::decode(text).map(Some).ok_or_else(invalid_cursor),
        }
    }
}

/// A page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Send as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page from `items` fetched with `limit + 1`: the extra item, if
    /// there is one, only says there is a next page.
    pub fn from_rows(mut items: Vec<T>, limit: u64, cursor_of: impl Fn(&T) -> Cursor) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more { items.last().map(|last| cursor_of(last).encode()) } else { None };
        Self { items, next }
    }

    /// The same page with each item turned into another.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next: self.next }
    }
}

/// The condition "after (`key`, `id`)" in ascending order of `key_column`
/// then `id_column`.
pub fn after<K, I>(key_column: K, key: impl Into<Value> + Clone, id_column: I, id: impl Into<Value>) -> Condition
where
    K: ColumnTrait,
    I: ColumnTrait,
{
    Condition::any().add(key_column.gt(key.clone())).add(Condition::all().add(key_column.eq(key)).add(id_column.gt(id)))
}

/// The condition "after (`key`, `id`)" in descending order of `key_column`
/// then `id_column` (newest first).
pub fn before<K, I>(key_column: K, key: impl Into<Value> + Clone, id_column: I, id: impl Into<Value>) -> Condition
where
    K: ColumnTrait,
    I: ColumnTrait,
{
    Condition::any().add(key_column.lt(key.clone())).add(Condition::all().add(key_column.eq(key)).add(id_column.lt(id)))
}

/// A condition that holds for every row, for the first page.
pub fn everything() -> Condition {
    Condition::all().add(SimpleExpr::Value(true.into()).into_condition())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let cursor = Cursor::new("2026-11-29T10:00:00Z", "0190a5b2");
        let query = PageQuery { after: Some(cursor.encode()), limit: None };
        assert_eq!(query.cursor().expect("ours"), Some(cursor));
        let stranger = PageQuery { after: Some("not-a-cursor".into()), limit: None };
        assert_eq!(stranger.cursor().expect_err("refused").code, "invalid_cursor");
        assert_eq!(PageQuery { after: None, limit: Some(0) }.limit(50).expect_err("0").code, "invalid_limit");
        assert_eq!(PageQuery { after: None, limit: Some(501) }.limit(50).expect_err("501").code, "invalid_limit");
        assert_eq!(PageQuery::default().limit(50).expect("default"), 50);
    }

    #[test]
    fn a_page_says_whether_more_follow() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| Cursor::new(n, n));
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next, Some(Cursor::new(2, 2).encode()));
        let last = Page::from_rows(vec![1, 2], 2, |n| Cursor::new(n, n));
        assert_eq!(last.next, None);
    }
}
