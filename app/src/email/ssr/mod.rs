pub mod invoice;
pub mod model;
pub mod outbox;
pub mod transport;
