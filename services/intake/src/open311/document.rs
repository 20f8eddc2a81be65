//! One answer, two formats: an Open311 answer is built once as a [`Node`]
//! tree and written as JSON or as XML, the element names and their order
//! exactly as GeoReport v2 shows them.

use serde::ser::{SerializeMap, SerializeSeq};

/// A value in an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Text.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A number with a fraction (degrees).
    Number(f64),
    /// true or false.
    Bool(bool),
    /// No value: `null` in JSON, an empty element in XML.
    Null,
    /// Items of one kind: a JSON array; in XML, each item an element named
    /// by the first field.
    List(&'static str, Vec<Node>),
    /// Named fields in order: a JSON object; in XML, child elements.
    Record(Vec<(&'static str, Node)>),
}

impl Node {
    /// `Text`, or `Null` for `None`.
    pub fn text_or_null(value: Option<impl Into<String>>) -> Self {
        value.map_or(Node::Null, |value| Node::Text(value.into()))
    }

    /// `Number`, or `Null` for `None`.
    pub fn number_or_null(value: Option<f64>) -> Self {
        value.map_or(Node::Null, Node::Number)
    }
}

impl From<&str> for Node {
    fn from(value: &str) -> Self {
        Node::Text(value.to_owned())
    }
}

impl From<String> for Node {
    fn from(value: String) -> Self {
        Node::Text(value)
    }
}

impl serde::Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Text(text) => serializer.serialize_str(text),
            Node::Integer(number) => serializer.serialize_i64(*number),
            Node::Number(number) => serializer.serialize_f64(*number),
            Node::Bool(value) => serializer.serialize_bool(*value),
            Node::Null => serializer.serialize_none(),
            Node::List(_, items) => {
                let mut list = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    list.serialize_element(item)?;
                }
                list.end()
            }
            Node::Record(fields) => {
                let mut record = serializer.serialize_map(Some(fields.len()))?;
                for (name, value) in fields {
                    record.serialize_entry(name, value)?;
                }
                record.end()
            }
        }
    }
}

/// `node` as JSON.
pub fn to_json(node: &Node) -> String {
    serde_json::to_string(node).unwrap_or_else(|_| "[]".to_owned())
}

/// `node` as an XML document whose root element is `root`.
pub fn to_xml(root: &str, node: &Node) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    element(&mut out, root, node);
    out
}

fn element(out: &mut String, name: &str, node: &Node) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match node {
        Node::Text(text) => escape_into(out, text),
        Node::Integer(number) => out.push_str(&number.to_string()),
        Node::Number(number) => out.push_str(&number.to_string()),
        Node::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Node::Null => {}
        Node::List(item, items) => {
            for value in items {
                element(out, item, value);
            }
        }
        Node::Record(fields) => {
            for (field, value) in fields {
                element(out, field, value);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Text as XML character data. Control characters never reach here: every
/// text intake stores passed `aduan_text`, which refuses them.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requests() -> Node {
        Node::List(
            "request",
            vec![Node::Record(vec![
                ("service_request_id", "ADU-1".into()),
                ("description", "Pipes & <drains> \"leak\"".into()),
                ("lat", Node::Number(-6.9)),
                ("order", Node::Integer(1)),
                ("media_url", Node::Null),
                ("metadata", Node::Bool(true)),
            ])],
        )
    }

    #[test]
    fn json_keeps_the_fields_in_order() {
        assert_eq!(
            to_json(&requests()),
            r#"[{"service_request_id":"ADU-1","description":"Pipes & <drains> \"leak\"","lat":-6.9,"order":1,"media_url":null,"metadata":true}]"#
        );
    }

    #[test]
    fn xml_names_each_item_and_escapes_text() {
        assert_eq!(
            to_xml("service_requests", &requests()),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_requests><request>\
             <service_request_id>ADU-1</service_request_id>\
             <description>Pipes &amp; &lt;drains&gt; &quot;leak&quot;</description>\
             <lat>-6.9</lat><order>1</order><media_url></media_url><metadata>true</metadata></request></service_requests>"
        );
    }
}
