//! Intake's tables. The reporter's identity lives apart from the report,
//! sealed, in `reporter_identity`; `reporter` is the plaintext table of
//! earlier releases, emptied into it at start.

pub mod notification;
pub mod photo;
pub mod report;
pub mod report_update;
pub mod reporter;
pub mod reporter_identity;
