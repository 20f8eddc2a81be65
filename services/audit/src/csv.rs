//! CSV as RFC 4180 writes it, and as spreadsheets read it safely.

/// `value` as one CSV field: quoted when it holds a comma, a quote or a line
/// break (quotes doubled), and a leading `=`, `+`, `-` or `@` defused with a
/// `'` so a spreadsheet does not take the field for a formula.
pub fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

/// A figure as a CSV field: empty when there is none.
pub fn number(value: Option<f64>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

/// A count as a CSV field: empty when there is none.
pub fn count(value: Option<u64>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("kota-bandung"), "kota-bandung");
        assert_eq!(field("Dinas, Bina Marga"), "\"Dinas, Bina Marga\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
