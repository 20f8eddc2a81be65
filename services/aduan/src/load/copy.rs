//! Rows of the services' own entities as PostgreSQL `COPY … FROM STDIN`
//! text: the columns come from the entity, so a loaded row has every column
//! a service writes, named as its migrations named them.

use std::fmt::Write as _;

use sea_orm::sea_query::Value;
use sea_orm::{EntityTrait, IdenStatic as _, Iterable as _, ModelTrait};

/// One table's rows, as COPY text.
pub struct CopyRows<E: EntityTrait> {
    text: String,
    _entity: std::marker::PhantomData<E>,
}

impl<E: EntityTrait> Default for CopyRows<E> {
    fn default() -> Self {
        Self { text: String::new(), _entity: std::marker::PhantomData }
    }
}

impl<E: EntityTrait> CopyRows<E> {
    /// Adds `model` as a row.
    pub fn push(&mut self, model: &E::Model) -> anyhow::Result<()> {
        for (index, column) in E::Column::iter().enumerate() {
            if index > 0 {
                self.text.push('\t');
            }
            write_value(&mut self.text, model.get(column))?;
        }
        self.text.push('\n');
        Ok(())
    }

    /// The table they go to.
    pub fn table(&self) -> &'static str {
        E::default().table_name()
    }

    /// The statement that takes these rows.
    pub fn statement(&self) -> String {
        let table = self.table();
        let columns: Vec<String> = E::Column::iter().map(|column| format!("\"{}\"", column.as_str())).collect();
        format!("COPY \"{table}\" ({}) FROM STDIN", columns.join(", "))
    }

    /// The rows' text, emptied out of this buffer.
    pub fn take_text(&mut self) -> String {
        std::mem::take(&mut self.text)
    }
}

/// `value` in COPY's text format: `\N` for NULL, and a backslash before
/// what would end a field or a row.
fn write_value(out: &mut String, value: Value) -> anyhow::Result<()> {
    match value {
        Value::Bool(Some(value)) => out.push(if value { 't' } else { 'f' }),
        Value::Int(Some(value)) => write!(out, "{value}")?,
        Value::BigInt(Some(value)) => write!(out, "{value}")?,
        Value::Double(Some(value)) => write!(out, "{value}")?,
        Value::String(Some(value)) => escape(out, &value),
        Value::Uuid(Some(value)) => write!(out, "{value}")?,
        Value::ChronoDate(Some(value)) => write!(out, "{value}")?,
        Value::ChronoDateTimeUtc(Some(value)) => write!(out, "{}", value.to_rfc3339())?,
        // bytea's hex form, its backslash doubled for COPY.
        Value::Bytes(Some(value)) => {
            out.push_str("\\\\x");
            out.push_str(&hex::encode(value));
        }
        Value::Bool(None)
        | Value::Int(None)
        | Value::BigInt(None)
        | Value::Double(None)
        | Value::String(None)
        | Value::Uuid(None)
        | Value::ChronoDate(None)
        | Value::ChronoDateTimeUtc(None)
        | Value::Bytes(None) => out.push_str("\\N"),
        other => anyhow::bail!("the loader cannot write a value of this kind: {other:?}"),
    }
    Ok(())
}

fn escape(out: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_nulls_are_marked() {
        let mut out = String::new();
        write_value(&mut out, Value::String(Some("a\tb\nc\\d\re".into()))).unwrap_or_default();
        assert_eq!(out, "a\\tb\\nc\\\\d\\re");
        let mut out = String::new();
        write_value(&mut out, Value::String(None)).unwrap_or_default();
        assert_eq!(out, "\\N");
        let mut out = String::new();
        write_value(&mut out, Value::Bytes(Some(vec![0x0a, 0xff]))).unwrap_or_default();
        assert_eq!(out, "\\\\x0aff");
    }
}
