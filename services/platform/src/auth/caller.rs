//! The caller of a staff endpoint, from the access token in its
//! `Authorization: Bearer` header.

use std::sync::Arc;

use aduan_access::{Claims, Grant, StaffRole, SubjectKind};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};

use super::Authenticator;
use crate::http::ApiError;
use crate::proto;

/// Who is calling, as their access token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The pseudonymous subject (`u-…` for a person, `m-…` for a machine).
    pub subject: String,
    /// A person or a machine.
    pub kind: SubjectKind,
    /// The roles held and their scopes.
    pub grants: Vec<Grant>,
}

impl From<Claims> for Caller {
    fn from(claims: Claims) -> Self {
        Self { subject: claims.sub, kind: claims.kind, grants: claims.grants }
    }
}

impl Caller {
    /// The grants of `role`.
    pub fn grants_of(&self, role: StaffRole) -> impl Iterator<Item = &Grant> {
        self.grants.iter().filter(move |grant| grant.role == role)
    }

    /// Whether the caller holds `role` anywhere.
    pub fn holds(&self, role: StaffRole) -> bool {
        self.grants_of(role).next().is_some()
    }

    /// Whether the caller holds `role` for the whole country.
    pub fn holds_nationally(&self, role: StaffRole) -> bool {
        self.grants_of(role).any(|grant| grant.institution.is_none())
    }

    /// The caller as an event's actor, acting as `role`.
    pub fn actor(&self, role: StaffRole) -> proto::Actor {
        let role = match role {
            StaffRole::Verifier => proto::Role::Verifier,
            StaffRole::Coordinator => proto::Role::Coordinator,
            StaffRole::Officer => proto::Role::Officer,
            StaffRole::Supervisor => proto::Role::Supervisor,
            StaffRole::Auditor => proto::Role::Auditor,
            StaffRole::Administrator => proto::Role::Administrator,
        };
        proto::Actor { role: role as i32, pseudonym: self.subject.clone() }
    }
}

/// The access token of an `Authorization: Bearer` header, if there is one.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|token| !token.is_empty())
}

impl<S> FromRequestParts<S> for Caller
where
    Arc<Authenticator>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "send an access token from accounts: Authorization: Bearer <token>",
            )
        })?;
        let authenticator = Arc::<Authenticator>::from_ref(state);
        Ok(Caller::from(authenticator.verify(token).await?))
    }
}
