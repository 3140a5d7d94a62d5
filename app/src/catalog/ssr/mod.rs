pub mod edit;
pub mod import;
pub mod model;
pub mod web;
