//! The orders service (server only), in the files a reader would name:
//! creating an order, staff actions on it, the order document and its
//! links, the PDF invoice, the timeline.
mod actions;
mod creating;
mod document;
mod ledger;
pub mod pdf;
mod timeline;

pub use actions::*;
pub use creating::*;
pub use document::*;
pub use ledger::*;
pub use timeline::*;
