//! Audit's HTTP API, after certificate transparency's: the latest signed
//! checkpoint and the verifier key (text), inclusion and consistency proofs
//! (public: hashes only), the entries by range (national auditors), and a
//! checkpoint on demand.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AuditState;
use crate::appending::size;
use crate::authorization::{Action, permit};
use crate::checkpoints::{CheckpointError, latest, sign_now};
use crate::entities::{ledger_checkpoint, ledger_entry};
use crate::tree_store::{StoreError, with_nodes};

/// The most entries one request returns.
pub const MAX_ENTRIES: u64 = 1000;

/// Audit's routes and their OpenAPI description.
pub fn router(state: AuditState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(checkpoint))
        .routes(routes!(list_checkpoints, sign_checkpoint))
        .routes(routes!(verifier_key))
        .routes(routes!(inclusion))
        .routes(routes!(consistency))
        .routes(routes!(entries))
        .routes(routes!(receipts))
        .with_state(state.clone())
        .merge(crate::figures_api::router(state.clone()))
        .merge(crate::reviews_api::router(state))
}

fn store_error(error: StoreError) -> ApiError {
    match error {
        StoreError::Database(error) => error.into(),
        // A node that should be stored and is not: damage, not the request's fault.
        StoreError::Tree(aduan_ledger::TreeError::MissingNode { .. }) | StoreError::Corrupt(..) => {
            ApiError::internal(error.to_string())
        }
        StoreError::Tree(error) => ApiError::invalid("invalid_range", error.to_string()),
    }
}

fn checkpoint_error(error: CheckpointError) -> ApiError {
    match error {
        CheckpointError::Store(error) => store_error(error),
        other => ApiError::internal(other.to_string()),
    }
}

async fn newest_or_signed(state: &AuditState) -> Result<ledger_checkpoint::Model, ApiError> {
    match latest(&state.db).await? {
        Some(checkpoint) => Ok(checkpoint),
        None => sign_now(&state.db, &state.signer).await.map_err(checkpoint_error),
    }
}

/// The latest signed checkpoint, as a C2SP signed note (`text/plain`).
#[utoipa::path(get, path = "/api/v1/ledger/checkpoint", tag = "auditors",
    responses((status = 200, description = "The signed note", content_type = "text/plain", body = String)))]
async fn checkpoint(State(state): State<AuditState>) -> Result<impl IntoResponse, ApiError> {
    let checkpoint = newest_or_signed(&state).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], checkpoint.note))
}

/// The verifier key that checks the checkpoints, in signed-note's text form.
#[utoipa::path(get, path = "/api/v1/ledger/key", tag = "auditors",
    responses((status = 200, description = "`<name>+<key id>+<key>`", content_type = "text/plain", body = String)))]
async fn verifier_key(State(state): State<AuditState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{}\n", state.signer.verifier_key()))
}

/// A signed checkpoint.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckpointView {
    /// The tree's size.
    pub size: u64,
    /// Its root, hex.
    pub root: String,
    /// The signed note.
    pub note: String,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
}

impl From<ledger_checkpoint::Model> for CheckpointView {
    fn from(model: ledger_checkpoint::Model) -> Self {
        Self {
            size: u64::try_from(model.tree_size).unwrap_or(0),
            root: hex::encode(&model.root_hash),
            note: model.note,
            signed_at: model.signed_at,
        }
    }
}

/// Where a page of checkpoints starts.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckpointsQuery {
    /// Only checkpoints of a larger size than this.
    #[serde(default)]
    pub after_size: Option<u64>,
}

/// The checkpoints signed, oldest first, 1000 a page (for verifiers
/// replaying the history: ask again with the last size as `after_size`).
#[utoipa::path(get, path = "/api/v1/ledger/checkpoints", tag = "auditors", params(CheckpointsQuery),
    responses((status = 200, body = Vec<CheckpointView>), (status = 422, body = ErrorBody)))]
async fn list_checkpoints(
    State(state): State<AuditState>,
    query: Result<Query<CheckpointsQuery>, QueryRejection>,
) -> Result<ApiJson<Vec<CheckpointView>>, ApiError> {
    let Query(query) = query?;
    let mut select = ledger_checkpoint::Entity::find();
    if let Some(after) = query.after_size {
        select = select.filter(ledger_checkpoint::Column::TreeSize.gt(i64::try_from(after).unwrap_or(i64::MAX)));
    }
    let page = select.order_by_asc(ledger_checkpoint::Column::TreeSize).limit(MAX_ENTRIES).all(&state.db).await?;
    Ok(ApiJson(page.into_iter().map(CheckpointView::from).collect()))
}

/// Signs a checkpoint of the ledger as it is now (national auditors and administrators).
#[utoipa::path(post, path = "/api/v1/ledger/checkpoints", tag = "auditors", security(("access_token" = [])),
    responses((status = 201, body = CheckpointView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn sign_checkpoint(
    State(state): State<AuditState>,
    caller: Caller,
) -> Result<(StatusCode, ApiJson<CheckpointView>), ApiError> {
    permit(&caller, Action::SignCheckpoint)?;
    let signed = sign_now(&state.db, &state.signer).await.map_err(checkpoint_error)?;
    Ok((StatusCode::CREATED, ApiJson(signed.into())))
}

/// Which leaf, in a tree of which size.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The leaf's index.
    pub index: u64,
    /// The tree's size (a signed checkpoint's).
    pub size: u64,
}

/// A proof, hex-encoded hashes in the order RFC 9162 gives them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProofView {
    /// The leaf's index (inclusion) or the older size (consistency).
    pub first: u64,
    /// The tree's size (inclusion) or the newer size (consistency).
    pub second: u64,
    /// The leaf's hash (inclusion only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaf_hash: Option<String>,
    /// The proof.
    pub proof: Vec<String>,
}

async fn check_size(state: &AuditState, wanted: u64) -> Result<(), ApiError> {
    let size = size(&state.db).await?;
    if wanted > size {
        return Err(ApiError::invalid("invalid_range", format!("the ledger holds {size} entries, not {wanted}")));
    }
    Ok(())
}

/// That an entry is in the tree of a given size: the RFC 9162 inclusion proof.
#[utoipa::path(get, path = "/api/v1/ledger/proofs/inclusion", tag = "auditors", params(InclusionQuery),
    responses((status = 200, body = ProofView), (status = 422, body = ErrorBody)))]
async fn inclusion(
    State(state): State<AuditState>,
    query: Result<Query<InclusionQuery>, QueryRejection>,
) -> Result<ApiJson<ProofView>, ApiError> {
    let Query(query) = query?;
    check_size(&state, query.size).await?;
    let (index, size) = (query.index, query.size);
    let (proof, leaf) = with_nodes(&state.db, |source| {
        let proof = aduan_ledger::inclusion_proof(index, size, source)?;
        Ok((proof, source.node(0, index)))
    })
    .await
    .map_err(store_error)?;
    Ok(ApiJson(ProofView {
        first: index,
        second: size,
        leaf_hash: leaf.map(|leaf| leaf.to_hex()),
        proof: proof.iter().map(|hash| hash.to_hex()).collect(),
    }))
}

/// Two sizes of the tree.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older size.
    pub first: u64,
    /// The newer size.
    pub second: u64,
}

/// That the tree of one size extends the tree of an older one: the RFC 9162 consistency proof.
#[utoipa::path(get, path = "/api/v1/ledger/proofs/consistency", tag = "auditors", params(ConsistencyQuery),
    responses((status = 200, body = ProofView), (status = 422, body = ErrorBody)))]
async fn consistency(
    State(state): State<AuditState>,
    query: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Result<ApiJson<ProofView>, ApiError> {
    let Query(query) = query?;
    check_size(&state, query.second).await?;
    let (first, second) = (query.first, query.second);
    let proof = with_nodes(&state.db, |source| aduan_ledger::consistency_proof(first, second, source))
        .await
        .map_err(store_error)?;
    Ok(ApiJson(ProofView { first, second, leaf_hash: None, proof: proof.iter().map(|hash| hash.to_hex()).collect() }))
}

/// A range of entries.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// The first index.
    pub start: u64,
    /// One past the last index; at most 1000 after `start`.
    pub end: u64,
}

/// One entry of the ledger.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    /// Its index.
    pub index: u64,
    /// The event's message id.
    pub message_id: String,
    /// The event's name.
    pub event: String,
    /// The report it is about.
    pub report_id: Option<String>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Its bytes (the envelope without words, protobuf), base64.
    pub body: String,
    /// SHA-256(0x00 || bytes), hex.
    pub leaf_hash: String,
}

/// The entries `[start, end)` (national auditors).
#[utoipa::path(get, path = "/api/v1/ledger/entries", tag = "auditors", params(EntriesQuery), security(("access_token" = [])),
    responses((status = 200, body = Vec<EntryView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn entries(
    State(state): State<AuditState>,
    caller: Caller,
    query: Result<Query<EntriesQuery>, QueryRejection>,
) -> Result<ApiJson<Vec<EntryView>>, ApiError> {
    permit(&caller, Action::ReadEntries)?;
    let Query(query) = query?;
    if query.end < query.start || query.end - query.start > MAX_ENTRIES {
        return Err(ApiError::invalid(
            "invalid_range",
            format!("ask for 0 to {MAX_ENTRIES} entries from start to end"),
        ));
    }
    let (start, end) = (i64::try_from(query.start).unwrap_or(i64::MAX), i64::try_from(query.end).unwrap_or(i64::MAX));
    let rows = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::LeafIndex.gte(start))
        .filter(ledger_entry::Column::LeafIndex.lt(end))
        .order_by_asc(ledger_entry::Column::LeafIndex)
        .limit(MAX_ENTRIES)
        .all(&state.db)
        .await?;
    Ok(ApiJson(
        rows.into_iter()
            .map(|row| EntryView {
                index: u64::try_from(row.leaf_index).unwrap_or(0),
                message_id: row.message_id,
                event: row.event,
                report_id: row.report_id,
                occurred_at: row.occurred_at,
                body: STANDARD.encode(&row.body),
                leaf_hash: hex::encode(&row.leaf_hash),
            })
            .collect(),
    ))
}

/// Whose receipts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReceiptsQuery {
    /// The report (its id, which only its citizen and staff hold).
    pub report_id: uuid::Uuid,
}

/// That one step of a report is in the ledger.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptView {
    /// The entry's index.
    pub index: u64,
    /// The event's name.
    pub event: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// SHA-256(0x00 || the entry's bytes), hex.
    pub leaf_hash: String,
    /// The RFC 9162 inclusion proof in the checkpoint's tree, hex; absent
    /// while the entry is newer than the latest checkpoint.
    pub proof: Option<Vec<String>>,
}

/// A report's receipts and the checkpoint they are proven against.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptsView {
    /// The signed checkpoint the proofs lead to (its size and root).
    pub checkpoint: CheckpointView,
    /// One per step of the report, oldest first.
    pub receipts: Vec<ReceiptView>,
}

/// The receipts of a report's steps: each entry's index and its inclusion
/// proof in the latest signed checkpoint, so that a citizen (or anyone they
/// show them to) can check that the record of their case was not rewritten.
/// Holds no words: entries carry commitments, not texts.
#[utoipa::path(get, path = "/api/v1/ledger/receipts", tag = "auditors", params(ReceiptsQuery),
    responses((status = 200, body = ReceiptsView), (status = 400, body = ErrorBody)))]
async fn receipts(
    State(state): State<AuditState>,
    query: Result<Query<ReceiptsQuery>, QueryRejection>,
) -> Result<ApiJson<ReceiptsView>, ApiError> {
    let Query(query) = query?;
    let checkpoint = newest_or_signed(&state).await?;
    let size = u64::try_from(checkpoint.tree_size).unwrap_or(0);
    let rows = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::ReportId.eq(query.report_id.to_string()))
        // Auditors' reviews are between them and the institution.
        .filter(ledger_entry::Column::Event.ne("case_reviewed"))
        .order_by_asc(ledger_entry::Column::LeafIndex)
        .limit(MAX_ENTRIES)
        .all(&state.db)
        .await?;
    let indexes: Vec<u64> = rows.iter().map(|row| u64::try_from(row.leaf_index).unwrap_or(u64::MAX)).collect();
    let proofs = with_nodes(&state.db, |source| {
        indexes
            .iter()
            .map(|&index| {
                (index < size)
                    .then(|| aduan_ledger::inclusion_proof(index, size, source))
                    .transpose()
                    .map(|proof| proof.map(|hashes| hashes.iter().map(|hash| hash.to_hex()).collect::<Vec<_>>()))
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(store_error)?;
    let receipts = rows
        .into_iter()
        .zip(indexes)
        .zip(proofs)
        .map(|((row, index), proof)| ReceiptView {
            index,
            event: row.event,
            occurred_at: row.occurred_at,
            leaf_hash: hex::encode(&row.leaf_hash),
            proof,
        })
        .collect();
    Ok(ApiJson(ReceiptsView { checkpoint: checkpoint.into(), receipts }))
}
