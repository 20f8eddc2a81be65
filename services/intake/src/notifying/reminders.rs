//! The reminder before silence closes a resolved report (PROCEDURE.md: "10
//! working days of silence ─▶ closed"): a citizen who left an address is
//! told a few working days ahead, on the clocks' date and the calendar of
//! where the report is, once per resolution.

use std::sync::Arc;

use aduan_platform::clock::Today;
use aduan_procedure::{ProcedureBook, Status};
use aduan_registry_store::LiveRegistry;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entities::{notification, report};

/// Working days before the silence closes a report at which its citizen is reminded.
pub const REMINDER_LEAD: u32 = 2;
/// Resolutions older than this are not looked at: every silence window is shorter.
const LOOK_BACK: chrono::Duration = chrono::Duration::days(120);
/// Names the reminder of one resolution, so it is owed once however often it is looked for.
const REMINDER_NAMESPACE: Uuid = Uuid::from_u128(0x6164_7561_6e2d_7265_6d69_6e64_6572_0001);

/// The silence clock's deadline intake keeps from resolution's announcements.
fn kept_silence_deadline(report: &report::Model) -> Option<chrono::NaiveDate> {
    let deadlines: Vec<crate::following::DeadlineView> = serde_json::from_str(report.deadlines.as_deref()?).ok()?;
    deadlines.into_iter().find(|deadline| deadline.clock == "citizen_silence")?.due_on
}

/// What the reminders are timed by.
#[derive(Clone)]
pub struct ReminderClocks {
    /// Calendars and time zones of the regions.
    pub registry: Arc<LiveRegistry>,
    /// The procedures in force (the silence before closing).
    pub procedures: Arc<ProcedureBook>,
    /// Today, as the clocks see it.
    pub today: Today,
    /// How often to look, as the clocks' scheduler does (`ADUAN_CLOCK_TICK_MS`).
    pub tick: std::time::Duration,
}

impl std::fmt::Debug for ReminderClocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReminderClocks").finish_non_exhaustive()
    }
}

impl ReminderClocks {
    /// Owes a reminder to each citizen whose resolved report closes within
    /// [`REMINDER_LEAD`] working days; answers how many were owed now.
    pub async fn owe_due(&self, db: &DatabaseConnection) -> Result<u64, DbErr> {
        let resolved = report::Entity::find()
            .filter(report::Column::Status.eq(Status::Resolved.as_str()))
            .filter(report::Column::NotifyToken.is_not_null())
            .filter(report::Column::NotificationsStoppedAt.is_null())
            .filter(report::Column::StatusChangedAt.gt(Utc::now() - LOOK_BACK))
            .all(db)
            .await?;
        let registry = self.registry.current();
        let mut owed = 0;
        for report in resolved {
            let calendar = registry.calendar_for(&report.region);
            let offset = registry.utc_offset_for(&report.region);
            let resolved_on = report.status_changed_at.with_timezone(&offset).date_naive();
            let today = self.today.date_at(offset);
            // The silence clock's own deadline, as resolution announced it;
            // reckoned here only when no announcement came.
            let closes_on = kept_silence_deadline(&report).unwrap_or_else(|| {
                let institution = report.institution_id.as_deref().unwrap_or_default();
                let silence = self.procedures.for_institution(institution).clocks.citizen_silence_before_close;
                calendar.add_working_days(resolved_on, silence)
            });
            if today > closes_on || calendar.working_days_between(today, closes_on) > REMINDER_LEAD {
                continue;
            }
            let id = Uuid::new_v5(&REMINDER_NAMESPACE, format!("{}:{}", report.id, report.status_sequence).as_bytes());
            let now = Utc::now();
            let row = notification::ActiveModel {
                id: Set(id),
                report_id: Set(report.id),
                kind: Set("closing_soon".to_owned()),
                status: Set("pending".to_owned()),
                email_done: Set(false),
                sms_done: Set(false),
                attempts: Set(0),
                next_attempt_at: Set(now),
                last_error: Set(None),
                created_at: Set(now),
            };
            let inserted = notification::Entity::insert(row)
                .on_conflict(OnConflict::column(notification::Column::Id).do_nothing().to_owned())
                .exec_without_returning(db)
                .await?;
            owed += inserted;
        }
        Ok(owed)
    }
}
