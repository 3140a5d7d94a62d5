pub mod import;
pub mod model;
