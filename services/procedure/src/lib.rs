//! The standard complaint procedure as pure code: the states a report moves
//! through, the actions that move it and who may take them, the working-day
//! calendars its clocks run on, and the document that sets those clocks. Services ask this crate whether a
//! step is allowed and when a deadline falls; they never decide it themselves.

pub mod calendar;
pub mod case_clocks;
pub mod document;
mod states;
mod verification_clock;

pub use calendar::{Calendar, CalendarError, Clock};
pub use case_clocks::{CaseClocks, ClockKind, Due, RunningClock};
pub use document::{Clocks, DocumentError, EscalationStep, ProcedureBook, ProcedureDocument, ResolutionClocks, Tier};
pub use states::{Action, ProcedureError, Role, Status, may, transition};
pub use verification_clock::VerificationClock;
