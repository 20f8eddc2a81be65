//! The institutions by id, for names, trees and pickers: routing's public
//! list, kept for a minute so pages do not fetch thousands of rows each.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::RwLock;

use crate::api::{ApiFailure, Service, Services};

/// How long a copy is used before it is fetched again.
const FRESH_FOR: Duration = Duration::from_secs(60);

/// One institution or unit.
#[derive(Debug, Clone, Deserialize)]
pub struct Institution {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// national, province, regency, city, unit, ...
    pub level: String,
    /// The institution above it.
    pub parent: Option<String>,
}

/// The institutions, by id.
#[derive(Debug, Default)]
pub struct Institutions {
    by_id: HashMap<String, Institution>,
    children: HashMap<String, Vec<String>>,
}

impl Institutions {
    fn new(list: Vec<Institution>) -> Self {
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        for institution in &list {
            if let Some(parent) = &institution.parent {
                children.entry(parent.clone()).or_default().push(institution.id.clone());
            }
        }
        for ids in children.values_mut() {
            ids.sort();
        }
        Self { by_id: list.into_iter().map(|institution| (institution.id.clone(), institution)).collect(), children }
    }

    /// The institution `id`.
    pub fn get(&self, id: &str) -> Option<&Institution> {
        self.by_id.get(id)
    }

    /// Its name, or the id when it is unknown.
    pub fn name(&self, id: &str) -> String {
        self.get(id).map_or_else(|| id.to_owned(), |institution| institution.name.clone())
    }

    /// The institutions directly below `id`, by id.
    pub fn children(&self, id: &str) -> Vec<&Institution> {
        self.children.get(id).into_iter().flatten().filter_map(|child| self.get(child)).collect()
    }

    /// The institutions at the top of the tree (no parent), by id.
    pub fn roots(&self) -> Vec<&Institution> {
        let mut roots: Vec<&Institution> =
            self.by_id.values().filter(|institution| institution.parent.is_none()).collect();
        roots.sort_by(|a, b| a.id.cmp(&b.id));
        roots
    }

    /// `id` and the institutions above it, from the top down.
    pub fn path_to(&self, id: &str) -> Vec<&Institution> {
        let mut path = Vec::new();
        let mut next = self.get(id);
        while let Some(institution) = next {
            if path.iter().any(|seen: &&Institution| seen.id == institution.id) {
                break;
            }
            path.push(institution);
            next = institution.parent.as_deref().and_then(|parent| self.get(parent));
        }
        path.reverse();
        path
    }

    /// Everything below `id`, depth first, with each one's depth under it.
    pub fn subtree(&self, id: &str) -> Vec<(usize, &Institution)> {
        let mut out = Vec::new();
        let mut stack: Vec<(usize, &str)> =
            self.children.get(id).into_iter().flatten().rev().map(|child| (1, child.as_str())).collect();
        while let Some((depth, next)) = stack.pop() {
            if let Some(institution) = self.get(next) {
                out.push((depth, institution));
            }
            stack.extend(self.children.get(next).into_iter().flatten().rev().map(|child| (depth + 1, child.as_str())));
        }
        out
    }
}

/// A copy and when it was fetched.
type Fetched = Option<(Instant, Arc<Institutions>)>;

/// The cached copy.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    copy: Arc<RwLock<Fetched>>,
}

impl Directory {
    /// The institutions: the copy while fresh, else routing's list now.
    pub async fn institutions(&self, services: &Services) -> Result<Arc<Institutions>, ApiFailure> {
        if let Some((at, institutions)) = self.copy.read().await.as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return Ok(institutions.clone());
        }
        let list: Vec<Institution> = services.get(Service::Routing, "/api/v1/institutions", &[], None).await?;
        let institutions = Arc::new(Institutions::new(list));
        *self.copy.write().await = Some((Instant::now(), institutions.clone()));
        Ok(institutions)
    }

    /// Drops the copy: the tree changed, and the next page fetches it anew.
    pub async fn forget(&self) {
        *self.copy.write().await = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn institution(id: &str, parent: Option<&str>) -> Institution {
        Institution { id: id.into(), name: id.to_uppercase(), level: "unit".into(), parent: parent.map(Into::into) }
    }

    #[test]
    fn a_subtree_lists_everything_below_depth_first() {
        let institutions = Institutions::new(vec![
            institution("city", None),
            institution("roads", Some("city")),
            institution("roads-north", Some("roads")),
            institution("health", Some("city")),
        ]);
        let below: Vec<(usize, &str)> =
            institutions.subtree("city").into_iter().map(|(depth, i)| (depth, i.id.as_str())).collect();
        assert_eq!(below, [(1, "health"), (1, "roads"), (2, "roads-north")]);
        assert_eq!(institutions.name("roads"), "ROADS");
        assert_eq!(institutions.name("nowhere"), "nowhere");
    }
}
