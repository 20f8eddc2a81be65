//! The registry's categories as Open311 services, and what a request for
//! each takes beyond the specification's own fields: the region (always),
//! the kind, the privacy and a title.

use axum::http::StatusCode;

use super::{Format, Node, Open311Error, Reply};
use crate::IntakeState;

/// The services: one per category.
pub(super) fn list(state: &IntakeState) -> Node {
    let registry = state.registry.current();
    let services = registry
        .categories()
        .iter()
        .map(|category| {
            Node::Record(vec![
                ("service_code", category.id.clone().into()),
                ("service_name", category.name.clone().into()),
                ("description", category.name.clone().into()),
                // Every request names its region, an attribute.
                ("metadata", Node::Bool(true)),
                ("type", "realtime".into()),
                ("keywords", Node::Null),
                ("group", Node::Null),
            ])
        })
        .collect();
    Node::List("service", services)
}

fn choice(key: &str, name: &str) -> Node {
    Node::Record(vec![("key", key.into()), ("name", name.into())])
}

struct Attribute {
    code: &'static str,
    datatype: &'static str,
    required: bool,
    description: &'static str,
    values: Vec<Node>,
}

impl Attribute {
    fn node(self, order: i64) -> Node {
        let mut fields = vec![
            ("variable", Node::Bool(true)),
            ("code", self.code.into()),
            ("datatype", self.datatype.into()),
            ("required", Node::Bool(self.required)),
            ("datatype_description", Node::Null),
            ("order", Node::Integer(order)),
            ("description", self.description.into()),
        ];
        if !self.values.is_empty() {
            fields.push(("values", Node::List("value", self.values)));
        }
        Node::Record(fields)
    }
}

/// `GET services/{code}`: the attributes a request for `code` takes.
pub(super) fn definition(state: &IntakeState, code: &str, format: Format) -> Result<Reply, Open311Error> {
    let registry = state.registry.current();
    let Some(category) = registry.category(code) else {
        return Err(Open311Error::new(StatusCode::NOT_FOUND, "unknown_service", "no service has this code", format));
    };
    let regions = registry.regions().iter().map(|region| choice(&region.code, &region.name)).collect();
    let attributes = [
        Attribute {
            code: "region",
            datatype: "singlevaluelist",
            required: true,
            description: "Where it happened: the regency or city (or the province)",
            values: regions,
        },
        Attribute {
            code: "kind",
            datatype: "singlevaluelist",
            required: false,
            description: "What it is; a complaint unless said otherwise",
            values: vec![
                choice("complaint", "Complaint: something went wrong in a public service"),
                choice("aspiration", "Aspiration: a suggestion for a policy or a service"),
                choice("information_request", "Information request: a question to an institution"),
            ],
        },
        Attribute {
            code: "privacy",
            datatype: "singlevaluelist",
            required: false,
            description: "Who may read it; confidential unless said otherwise",
            values: vec![
                choice("confidential", "Confidential: never published, read only by those handling it"),
                choice("anonymous", "Anonymous: published after verification, the reporter shown to nobody"),
                choice("public", "Public: published after verification, the reporter never"),
            ],
        },
        Attribute {
            code: "title",
            datatype: "string",
            required: false,
            description: "A short title, 5 to 200 characters; taken from the description when absent",
            values: Vec::new(),
        },
    ];
    let attributes = attributes.into_iter().zip(1..).map(|(attribute, order)| attribute.node(order)).collect();
    let body = Node::Record(vec![
        ("service_code", category.id.clone().into()),
        ("attributes", Node::List("attribute", attributes)),
    ]);
    Ok(Reply::ok("service_definition", body, format))
}
