//! Resolution's tables: cases in institutions' inboxes, and what was written on them.

pub mod case;
pub mod case_branch;
pub mod case_clocks;
pub mod case_entry;
pub mod case_note;
pub mod case_supporter;
pub mod escalation;
pub mod pending_privacy;
pub mod report_history;
pub mod response_template;
