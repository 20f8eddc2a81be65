//! The standard complaint procedure as pure code: the states a report moves
//! through, the actions that move it and who may take them, and the
//! working-day calendars its clocks run on. Services ask this crate whether a
//! step is allowed and when a deadline falls; they never decide it themselves.

pub mod calendar;
mod states;

pub use calendar::{Calendar, CalendarError, Clock};
pub use states::{Action, ProcedureError, Role, Status, may, transition};
