pub mod model;
pub mod outbox;
