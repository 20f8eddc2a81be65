//! Intake's JSON API for citizens: file a report, follow it, and take their
//! steps on it (accept, clarify, reply, dispute, appeal, refer). Anyone can
//! reach it, so each client is rate limited (see `aduan serve`).

mod filing;
mod notifications;
mod public_record;
mod publication;
mod registry;
mod steps;
mod tracking;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::IntakeState;

pub use filing::FiledResponse;
pub use public_record::{PublishedReport, PublishedReportWithUpdates};
pub use steps::{AcceptRequest, CitizenTextRequest, Fixed};
pub use tracking::{FollowedView, ReportView, UpdateView};
pub(crate) use tracking::{find_by_code, owner_secret};

/// The header a citizen sends their report's secret in.
pub const SECRET_HEADER: &str = "x-report-secret";

/// The routes that take photos: their bodies may be larger than any other's.
fn uploads(state: IntakeState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(crate::photos::upload))
        .layer(axum::extract::DefaultBodyLimit::max(crate::photos::MAX_UPLOAD_BYTES))
        .with_state(state)
}

/// Intake's routes and their OpenAPI description.
pub fn router(state: IntakeState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(filing::create_report))
        .routes(routes!(tracking::get_report))
        .routes(routes!(tracking::report_updates))
        .routes(routes!(steps::accept_resolution))
        .routes(routes!(steps::clarify))
        .routes(routes!(steps::reply))
        .routes(routes!(steps::dispute))
        .routes(routes!(steps::appeal))
        .routes(routes!(steps::refer_to_ombudsman))
        .routes(routes!(registry::list_categories))
        .routes(routes!(registry::list_regions))
        .routes(routes!(public_record::list_published))
        .routes(routes!(public_record::get_published))
        .routes(routes!(publication::show, publication::change))
        .routes(routes!(notifications::confirm_stop, notifications::stop))
        .routes(routes!(crate::photos::list))
        .routes(routes!(crate::photos::fetch))
        .with_state(state.clone())
        .merge(uploads(state.clone()))
        .merge(crate::open311::router(state))
}
