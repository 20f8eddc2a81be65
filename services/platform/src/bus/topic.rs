//! AMQP topic matching, so the in-process bus routes exactly as RabbitMQ does.

/// Whether `routing_key` matches `pattern`, where `*` stands for one word and
/// `#` for zero or more words, words being separated by dots.
pub fn topic_matches(pattern: &str, routing_key: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    let key: Vec<&str> = routing_key.split('.').collect();
    matches_from(&pattern, &key)
}

fn matches_from(pattern: &[&str], key: &[&str]) -> bool {
    match pattern.split_first() {
        None => key.is_empty(),
        Some((&"#", rest)) => (0..=key.len()).any(|skip| matches_from(rest, &key[skip..])),
        Some((&word, rest)) => match key.split_first() {
            Some((&first, key_rest)) => (word == "*" || word == first) && matches_from(rest, key_rest),
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::topic_matches;

    #[test]
    fn matches_like_rabbitmq() {
        assert!(topic_matches("report.filed", "report.filed"));
        assert!(!topic_matches("report.filed", "report.assigned"));
        assert!(topic_matches("report.*", "report.filed"));
        assert!(!topic_matches("report.*", "report.filed.v2"));
        assert!(topic_matches("report.#", "report.filed.v2"));
        assert!(topic_matches("#", "report.filed"));
        assert!(topic_matches("report.#", "report"));
        assert!(!topic_matches("case.*", "report.filed"));
    }
}
