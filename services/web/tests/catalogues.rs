//! Every page in both languages: the Indonesian and English catalogues hold
//! the same messages, and every message the code and the templates ask for
//! is in both.

use std::collections::BTreeSet;
use std::path::Path;

fn messages(lang: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales").join(lang).join("aduan.ftl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with(' '))
        .filter_map(|line| line.split_once(" = ").map(|(key, _)| key.trim().to_owned()))
        .collect()
}

/// The keys in `t("…")` and `t1("…"` calls of the files under `dir`.
fn keys_asked_for(dir: &Path, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display())) {
        let path = entry.unwrap_or_else(|error| panic!("{error}")).path();
        if path.is_dir() {
            keys_asked_for(&path, found);
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for call in [".t(\"", ".t1(\""] {
            for (start, _) in text.match_indices(call) {
                let rest = &text[start + call.len()..];
                if let Some(end) = rest.find('"') {
                    found.insert(rest[..end].to_owned());
                }
            }
        }
    }
}

#[test]
fn both_languages_hold_the_same_messages() {
    let (id, en) = (messages("id"), messages("en"));
    assert!(id.len() > 100, "the Indonesian catalogue is read: {}", id.len());
    let only_id: Vec<_> = id.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&id).collect();
    assert!(
        only_id.is_empty() && only_en.is_empty(),
        "missing in English: {only_id:?}; missing in Indonesian: {only_en:?}"
    );
}

#[test]
fn every_message_a_page_asks_for_is_in_the_catalogues() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut asked = BTreeSet::new();
    keys_asked_for(&root.join("src"), &mut asked);
    keys_asked_for(&root.join("templates"), &mut asked);
    assert!(asked.len() > 50, "the calls are found: {}", asked.len());
    let known = messages("en");
    let missing: Vec<_> = asked.iter().filter(|key| !known.contains(*key)).collect();
    assert!(missing.is_empty(), "asked for but in no catalogue: {missing:?}");
}
