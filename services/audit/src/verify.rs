//! The verifier anyone can run (`aduan audit verify`): it recomputes the tree
//! from the entries' bytes, checks each entry against its stored leaf hash,
//! each checkpoint's signature with the published key, and each checkpoint's
//! root against the recomputed tree, and names the first entry that does not
//! match. It trusts the entries' bytes, the checkpoints' signatures and the
//! key it is given, nothing the ledger computed; what the last checkpoint
//! does not cover, only the next checkpoint can vouch for.

use aduan_ledger::{CheckpointVerifier, Hash, MemoryTree};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entities::{ledger_checkpoint, ledger_entry};

/// An entry as a verifier reads it.
#[derive(Debug, Clone)]
pub struct EntryToCheck {
    /// Its index.
    pub index: u64,
    /// Its bytes.
    pub body: Vec<u8>,
    /// The leaf hash the ledger stored for it.
    pub stored_leaf: Vec<u8>,
}

/// What the verifier found.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Entries read.
    pub entries: u64,
    /// Checkpoints whose signature and root were checked.
    pub checkpoints: usize,
    /// The first entry whose bytes do not match the ledger's own hash of them.
    pub first_altered_entry: Option<u64>,
    /// Everything wrong, in order.
    pub problems: Vec<String>,
}

impl Verdict {
    /// Whether the ledger holds up.
    pub fn holds(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks `entries` (in index order) and the signed `notes` with `verifier`.
pub fn check(
    entries: impl IntoIterator<Item = EntryToCheck>,
    notes: &[String],
    verifier: &CheckpointVerifier,
) -> Verdict {
    let mut verdict = Verdict::default();
    let mut tree = MemoryTree::new();
    for entry in entries {
        if entry.index != tree.size() {
            verdict.problems.push(format!("entry {} is missing (the next entry read is {})", tree.size(), entry.index));
            break;
        }
        let leaf = aduan_ledger::leaf_hash(&entry.body);
        if entry.stored_leaf.as_slice() != leaf.as_bytes() && verdict.first_altered_entry.is_none() {
            verdict.first_altered_entry = Some(entry.index);
            verdict
                .problems
                .push(format!("entry {}: its bytes do not match the hash the ledger recorded for them", entry.index));
        }
        tree.push_leaf_hash(leaf);
    }
    verdict.entries = tree.size();
    if notes.is_empty() && tree.size() > 0 {
        verdict.problems.push("no signed checkpoint: nothing vouches that the entries were not rewritten".into());
    }
    let mut last_good = 0;
    let mut checkpoints: Vec<_> = notes.iter().map(|note| (verifier.verify(note), note)).collect();
    checkpoints.sort_by_key(|(checked, _)| checked.as_ref().map_or(0, |checkpoint| checkpoint.size));
    for (checked, note) in checkpoints {
        let checkpoint = match checked {
            Ok(checkpoint) => checkpoint,
            Err(error) => {
                let first_line = note.lines().nth(1).unwrap_or_default();
                verdict.problems.push(format!("a checkpoint (size {first_line}) does not verify: {error}"));
                continue;
            }
        };
        verdict.checkpoints += 1;
        if checkpoint.size > tree.size() {
            verdict.problems.push(format!(
                "checkpoint {} signs entries the ledger no longer has (it holds {})",
                checkpoint.size,
                tree.size()
            ));
            continue;
        }
        let recomputed: Option<Hash> = aduan_ledger::root(checkpoint.size, &tree).ok();
        if recomputed != Some(checkpoint.root) {
            let culprit = match verdict.first_altered_entry {
                Some(index) if index < checkpoint.size => format!("entry {index} was altered"),
                _ => format!("an entry between {last_good} and {} was altered", checkpoint.size - 1),
            };
            verdict.problems.push(format!("checkpoint {} does not match the entries: {culprit}", checkpoint.size));
        } else {
            last_good = checkpoint.size;
        }
    }
    verdict
}

/// Reads checkpoints, then entries, from audit's database, and checks them.
/// Checkpoints first: one signed meanwhile would cover entries not read.
pub async fn check_database(db: &DatabaseConnection, verifier: &CheckpointVerifier) -> anyhow::Result<Verdict> {
    const PAGE: u64 = 10_000;
    let notes: Vec<String> = ledger_checkpoint::Entity::find()
        .order_by_asc(ledger_checkpoint::Column::TreeSize)
        .all(db)
        .await?
        .into_iter()
        .map(|checkpoint| checkpoint.note)
        .collect();
    let mut entries = Vec::new();
    let mut next = 0_i64;
    loop {
        let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = ledger_entry::Entity::find()
            .select_only()
            .column(ledger_entry::Column::LeafIndex)
            .column(ledger_entry::Column::Body)
            .column(ledger_entry::Column::LeafHash)
            .filter(ledger_entry::Column::LeafIndex.gte(next))
            .order_by_asc(ledger_entry::Column::LeafIndex)
            .limit(PAGE)
            .into_tuple()
            .all(db)
            .await?;
        let Some((last, _, _)) = rows.last() else { break };
        next = last + 1;
        let full = rows.len() as u64 == PAGE;
        entries.extend(rows.into_iter().map(|(index, body, stored_leaf)| EntryToCheck {
            index: u64::try_from(index).unwrap_or(u64::MAX),
            body,
            stored_leaf,
        }));
        if !full {
            break;
        }
    }
    Ok(check(entries, &notes, verifier))
}

/// Reads entries and checkpoints from audit's API at `base` (entries need a
/// national auditor's access `token`), then checks them.
pub async fn check_api(base: &str, token: &str, verifier: &CheckpointVerifier) -> anyhow::Result<Verdict> {
    let client = reqwest::Client::new();
    let mut notes = Vec::new();
    let mut after: Option<u64> = None;
    loop {
        let mut request = client.get(format!("{base}/api/v1/ledger/checkpoints"));
        if let Some(after) = after {
            request = request.query(&[("after_size", after)]);
        }
        let page: Vec<serde_json::Value> = request.send().await?.error_for_status()?.json().await?;
        notes.extend(page.iter().filter_map(|checkpoint| checkpoint["note"].as_str().map(str::to_owned)));
        match page.last().and_then(|last| last["size"].as_u64()) {
            Some(size) if page.len() as u64 == crate::api::MAX_ENTRIES => after = Some(size),
            _ => break,
        }
    }
    let mut entries = Vec::new();
    let mut start = 0_u64;
    loop {
        let end = start + crate::api::MAX_ENTRIES;
        let page: Vec<serde_json::Value> = client
            .get(format!("{base}/api/v1/ledger/entries"))
            .query(&[("start", start), ("end", end)])
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let read = page.len() as u64;
        for entry in page {
            entries.push(EntryToCheck {
                index: entry["index"].as_u64().unwrap_or(u64::MAX),
                body: STANDARD.decode(entry["body"].as_str().unwrap_or_default())?,
                stored_leaf: hex::decode(entry["leaf_hash"].as_str().unwrap_or_default())?,
            });
        }
        if read < crate::api::MAX_ENTRIES {
            break;
        }
        start = end;
    }
    Ok(check(entries, &notes, verifier))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aduan_ledger::checkpoint::SigningKey;
    use aduan_ledger::{Checkpoint, CheckpointSigner};

    fn ledger(size: u64) -> Vec<EntryToCheck> {
        (0..size)
            .map(|index| {
                let body = format!("event {index}").into_bytes();
                let stored_leaf = aduan_ledger::leaf_hash(&body).as_bytes().to_vec();
                EntryToCheck { index, body, stored_leaf }
            })
            .collect()
    }

    fn signed(signer: &CheckpointSigner, entries: &[EntryToCheck], size: u64) -> String {
        let tree = MemoryTree::from_entries(entries.iter().take(size as usize).map(|entry| entry.body.clone()));
        let origin = signer.verifier_key().name().to_owned();
        signer.sign(&Checkpoint { origin, size, root: tree.root() }).expect("a note")
    }

    #[test]
    fn an_intact_ledger_holds_and_an_altered_entry_is_named() {
        let signer = CheckpointSigner::new("aduan.test/audit", SigningKey::from_bytes(&[7; 32])).expect("a signer");
        let verifier = CheckpointVerifier::new(signer.verifier_key().clone());
        let entries = ledger(13);
        let notes = vec![signed(&signer, &entries, 5), signed(&signer, &entries, 13)];
        let verdict = check(entries.clone(), &notes, &verifier);
        assert!(verdict.holds(), "{:?}", verdict.problems);
        assert_eq!((verdict.entries, verdict.checkpoints), (13, 2));

        // The bytes of entry 7 changed, its recorded hash did not.
        let mut altered = entries.clone();
        altered[7].body = b"event 7, rewritten".to_vec();
        let verdict = check(altered.clone(), &notes, &verifier);
        assert_eq!(verdict.first_altered_entry, Some(7));
        assert!(
            verdict.problems.iter().any(|problem| problem.contains("checkpoint 13") && problem.contains("entry 7"))
        );
        assert!(!verdict.problems.iter().any(|problem| problem.contains("checkpoint 5 ")), "{:?}", verdict.problems);

        // The hash rewritten too: the signed checkpoint still catches it, within its range.
        altered[7].stored_leaf = aduan_ledger::leaf_hash(&altered[7].body).as_bytes().to_vec();
        let verdict = check(altered, &notes, &verifier);
        assert_eq!(verdict.first_altered_entry, None);
        assert!(verdict.problems.iter().any(|problem| problem.contains("between 5 and 12")), "{:?}", verdict.problems);

        // A removed entry, and a note signed by someone else.
        let mut gap = entries.clone();
        gap.remove(3);
        assert!(check(gap, &notes, &verifier).problems[0].contains("entry 3 is missing"));
        let stranger = CheckpointSigner::new("aduan.test/audit", SigningKey::from_bytes(&[9; 32])).expect("a signer");
        let forged = vec![signed(&stranger, &entries, 13)];
        assert!(!check(entries, &forged, &verifier).holds());
    }
}
