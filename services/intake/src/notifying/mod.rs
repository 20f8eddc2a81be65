//! Telling citizens who left an e-mail address or a phone number that their
//! report moved: it was assigned, a question came, it was resolved (and will
//! close if they do nothing), it closed. Intake is the only holder of
//! contact details, so intake sends: the consumer that follows a report owes
//! a message in the same transaction as the step ([`owe`]); [`Notifier`]
//! sends what is owed by e-mail (SMTP) and SMS (an HTTP gateway), retrying
//! with a growing back-off, and never writes an address anywhere but the
//! message itself.

mod messages;
mod reminders;
mod transports;

use std::sync::Arc;
use std::time::Duration;

use aduan_platform::bus::HandlerError;
use aduan_platform::proto::Envelope;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub use messages::{About, Message, render};
pub use reminders::{REMINDER_LEAD, ReminderClocks};
pub use transports::{SmsGateway, Transports};

use crate::entities::{notification, report, reporter_identity};
use crate::filing::Language;
use crate::sealing::{IdentityKeys, SealedIdentity};

/// The steps a citizen is told of as they happen.
pub const NOTIFIED: [&str; 6] = ["assigned", "question", "deferred", "resolved", "closed", "appeal_upheld"];
/// Every kind of message, the reminder before closing included.
pub const KINDS: [&str; 7] =
    ["assigned", "question", "deferred", "resolved", "closed", "appeal_upheld", "closing_soon"];
/// Tries before a message is given up.
const MAX_ATTEMPTS: i32 = 10;
/// The longest wait between two tries.
const LONGEST_WAIT: Duration = Duration::from_secs(6 * 3600);
/// How often owed messages are looked for.
const POLL: Duration = Duration::from_secs(1);

/// Messages sent per look.
const BATCH: u64 = 32;
/// How long a claimed message is left to its sender before another may try.
const LEASE: Duration = Duration::from_secs(120);

/// Owes the citizen of `report_id` a message about `kind`, the step the
/// event `envelope` tells of (one message per event).
pub async fn owe(
    txn: &DatabaseTransaction,
    envelope: &Envelope,
    report_id: Uuid,
    kind: &str,
) -> Result<(), HandlerError> {
    let id = Uuid::parse_str(&envelope.message_id)
        .map_err(|error| HandlerError::Permanent(format!("message id: {error}")))?;
    let now = Utc::now();
    notification::ActiveModel {
        id: Set(id),
        report_id: Set(report_id),
        kind: Set(kind.to_owned()),
        status: Set("pending".to_owned()),
        email_done: Set(false),
        sms_done: Set(false),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Where citizens follow their reports, and how long the first retry waits.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// The address people reach aduan at (`ADUAN_PUBLIC_URL`), for the links.
    pub public_url: String,
    /// The first retry's wait; each next one doubles (`ADUAN_NOTIFY_RETRY_MS`).
    pub first_retry: Duration,
}

impl NotifySettings {
    /// Links to `public_url`; the first retry waits `ADUAN_NOTIFY_RETRY_MS`.
    /// Without a public address no link can be written, so a configured way
    /// out needs one.
    pub fn new(public_url: Option<&str>, transports: &Transports) -> anyhow::Result<Self> {
        let public_url = match public_url.map(str::trim).filter(|url| !url.is_empty()) {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if transports.any() => anyhow::bail!(
                "messages to citizens link to aduan: set ADUAN_PUBLIC_URL to the address people reach it at"
            ),
            None => String::new(),
        };
        let first_retry = match std::env::var("ADUAN_NOTIFY_RETRY_MS") {
            Ok(value) => Duration::from_millis(
                value
                    .parse()
                    .map_err(|_| anyhow::anyhow!("ADUAN_NOTIFY_RETRY_MS must be milliseconds, not {value:?}"))?,
            ),
            Err(_) => Duration::from_secs(60),
        };
        Ok(Self { public_url, first_retry })
    }
}

/// Sends what is owed.
#[derive(Clone)]
pub struct Notifier {
    db: DatabaseConnection,
    keys: Arc<IdentityKeys>,
    transports: Transports,
    settings: NotifySettings,
    reminders: ReminderClocks,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// How one try went, per channel.
struct Tried {
    email_done: bool,
    sms_done: bool,
    sent_any: bool,
    error: Option<String>,
}

impl Notifier {
    /// A notifier over intake's `db`, opening identities with `keys`, its
    /// reminders timed by `reminders`.
    pub fn new(
        db: DatabaseConnection,
        keys: Arc<IdentityKeys>,
        transports: Transports,
        settings: NotifySettings,
        reminders: ReminderClocks,
    ) -> Self {
        Self { db, keys, transports, settings, reminders }
    }

    /// Sends what is owed until `stop`.
    pub async fn run(self, stop: CancellationToken) {
        if !self.transports.any() {
            tracing::info!("no SMTP server or SMS gateway configured: citizens are not sent messages");
        }
        let mut reminded: Option<std::time::Instant> = None;
        loop {
            if reminded.is_none_or(|at| at.elapsed() >= self.reminders.tick) {
                reminded = Some(std::time::Instant::now());
                if let Err(error) = self.reminders.owe_due(&self.db).await {
                    tracing::warn!(%error, "looking for reports about to close failed");
                }
            }
            match self.send_due().await {
                Ok(sent) if sent as u64 == BATCH => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(error = format!("{error:#}"), "sending citizens' messages failed"),
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(POLL.min(self.reminders.tick)) => {}
            }
        }
    }

    /// Tries every message due now; answers how many it looked at.
    pub async fn send_due(&self) -> anyhow::Result<usize> {
        let due = notification::Entity::find()
            .filter(notification::Column::Status.eq("pending"))
            .filter(notification::Column::NextAttemptAt.lte(Utc::now()))
            .order_by_asc(notification::Column::NextAttemptAt)
            .limit(BATCH)
            .all(&self.db)
            .await?;
        let count = due.len();
        for owed in due {
            // Claimed by raising its attempts: another replica that read the
            // same row finds them changed and leaves it.
            let claimed = notification::Entity::update_many()
                .col_expr(notification::Column::Attempts, Expr::value(owed.attempts + 1))
                .col_expr(notification::Column::NextAttemptAt, Expr::value(Utc::now() + LEASE))
                .filter(notification::Column::Id.eq(owed.id))
                .filter(notification::Column::Attempts.eq(owed.attempts))
                .filter(notification::Column::Status.eq("pending"))
                .exec(&self.db)
                .await?;
            if claimed.rows_affected == 1
                && let Err(error) = self.deliver(owed.clone()).await
            {
                // Not the transports (their failures are handled in `deliver`):
                // the database or the key file. Counted like any try.
                tracing::warn!(error = format!("{error:#}"), notification = %owed.id, "a message could not be prepared");
                self.failed_try(owed, "the message could not be prepared").await?;
            }
        }
        Ok(count)
    }

    /// Counts a try that failed before any channel was tried.
    async fn failed_try(&self, owed: notification::Model, reason: &str) -> anyhow::Result<()> {
        let attempts = owed.attempts + 1;
        let mut active: notification::ActiveModel = owed.into();
        active.attempts = Set(attempts);
        active.last_error = Set(Some(reason.to_owned()));
        if attempts >= MAX_ATTEMPTS {
            active.status = Set("failed".to_owned());
        } else {
            active.next_attempt_at = Set(Utc::now() + self.wait_after(attempts));
        }
        active.update(&self.db).await?;
        Ok(())
    }

    /// The wait after the `attempts`-th try: doubling from the first retry's, at most six hours.
    fn wait_after(&self, attempts: i32) -> Duration {
        self.settings.first_retry.saturating_mul(1 << (attempts - 1).clamp(0, 20)).min(LONGEST_WAIT)
    }

    async fn deliver(&self, owed: notification::Model) -> anyhow::Result<()> {
        let attempts = owed.attempts + 1;
        let report = report::Entity::find_by_id(owed.report_id).one(&self.db).await?;
        let sealed = reporter_identity::Entity::find_by_id(owed.report_id).one(&self.db).await?;
        let mut active: notification::ActiveModel = owed.clone().into();
        active.attempts = Set(attempts);
        let (Some(report), Some(sealed)) = (report, sealed) else {
            // Erased after its retention, or never left: nobody to tell.
            active.status = Set("skipped".to_owned());
            active.update(&self.db).await?;
            return Ok(());
        };
        // A reminder that waited past its moment (the citizen answered, the report closed) is not sent.
        let moot = owed.kind == "closing_soon" && report.status != aduan_procedure::Status::Resolved.as_str();
        if report.notifications_stopped_at.is_some() || moot {
            active.status = Set("skipped".to_owned());
            active.update(&self.db).await?;
            return Ok(());
        }
        let identity = self.keys.open(
            report.id,
            &SealedIdentity { key_id: sealed.key_id, wrapped_key: sealed.wrapped_key, sealed: sealed.sealed },
        )?;
        let track_url = format!("{}/track/{}", self.settings.public_url, report.tracking_code);
        let stop_url = format!(
            "{}/api/v1/reports/{}/notifications/stop?token={}",
            self.settings.public_url,
            report.tracking_code,
            report.notify_token.as_deref().unwrap_or_default()
        );
        let about = About {
            kind: &owed.kind,
            code: &report.tracking_code,
            institution: report.institution_name.as_deref(),
            track_url: &track_url,
            stop_url: &stop_url,
        };
        let message = render(Language::parse(&report.language), about);
        let tried = self.try_channels(&owed, &identity, &message).await;
        active.email_done = Set(tried.email_done);
        active.sms_done = Set(tried.sms_done);
        active.last_error = Set(tried.error.clone());
        if tried.email_done && tried.sms_done {
            active.status =
                Set(if tried.sent_any || owed.email_done || owed.sms_done { "sent" } else { "skipped" }.to_owned());
        } else if attempts >= MAX_ATTEMPTS {
            active.status = Set("failed".to_owned());
            tracing::warn!(report_id = %report.id, attempts, "a message to a citizen was given up");
        } else {
            active.next_attempt_at = Set(Utc::now() + self.wait_after(attempts));
        }
        active.update(&self.db).await?;
        Ok(())
    }

    /// Sends on each channel not done yet that has an address and a transport.
    async fn try_channels(
        &self,
        owed: &notification::Model,
        identity: &crate::sealing::Identity,
        message: &Message,
    ) -> Tried {
        let mut tried = Tried { email_done: owed.email_done, sms_done: owed.sms_done, sent_any: false, error: None };
        if !tried.email_done {
            match (&identity.email, self.transports.mailer()) {
                (Some(email), Some(mailer)) => match mailer.send(email, message).await {
                    Ok(()) => (tried.email_done, tried.sent_any) = (true, true),
                    Err(error) => tried.error = Some(error),
                },
                // No address, or no way to send one: nothing to retry.
                _ => tried.email_done = true,
            }
        }
        if !tried.sms_done {
            match (&identity.phone, self.transports.sms()) {
                (Some(phone), Some(gateway)) => match gateway.send(phone, &message.sms).await {
                    Ok(()) => (tried.sms_done, tried.sent_any) = (true, true),
                    Err(error) => tried.error = Some(error),
                },
                _ => tried.sms_done = true,
            }
        }
        tried
    }
}
