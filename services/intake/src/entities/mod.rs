//! Intake's tables. The reporter's identity lives apart from the report, in
//! `reporter`, and no query outside `filing` touches it.

pub mod report;
pub mod report_update;
pub mod reporter;
