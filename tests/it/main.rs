//! The integration tests, in one binary so that axum, rustls and jsonschema are linked once.
//!
//! Each module is one area; the modules that drive `vbo` or the simulator are compiled only
//! with the features they need, so `cargo test --no-default-features` runs the client's own.

mod support;

mod bulk;
mod client_faults;
mod client_strict;
mod error_text;
mod generated_source;
mod items_wire;
mod path_segments;
mod recorded_responses;
mod request_json;
mod secrets;
mod server_fuzz;
mod server_input;
mod spec_examples;
mod validation;
mod version_choice;
mod wire_request;

#[cfg(feature = "cli")]
mod cli_completions;
#[cfg(feature = "cli")]
mod cli_guard;
#[cfg(feature = "cli")]
mod outcomes;

#[cfg(all(feature = "cli", feature = "sim"))]
mod cli;
#[cfg(all(feature = "cli", feature = "sim"))]
mod cli_actions;
#[cfg(all(feature = "cli", feature = "sim"))]
mod cli_commands;
#[cfg(all(feature = "cli", feature = "sim"))]
mod cli_demo;
#[cfg(all(feature = "cli", feature = "sim"))]
mod cli_docs;
#[cfg(all(feature = "cli", feature = "sim"))]
mod cli_downloads;
#[cfg(all(feature = "cli", feature = "sim"))]
mod cli_errors;
#[cfg(all(feature = "cli", feature = "sim"))]
mod cli_help;
#[cfg(all(feature = "cli", feature = "sim"))]
mod cli_mailbox;
#[cfg(all(feature = "cli", feature = "sim"))]
mod cli_tokens_signals;
#[cfg(all(feature = "cli", feature = "sim"))]
mod cli_versions;

#[cfg(feature = "sim")]
mod sim_abuse;
#[cfg(feature = "sim")]
mod sim_actions;
#[cfg(feature = "sim")]
mod sim_concurrency;
#[cfg(feature = "sim")]
mod sim_e2e;
#[cfg(feature = "sim")]
mod sim_files;
#[cfg(feature = "sim")]
mod sim_items;
#[cfg(feature = "sim")]
mod sim_leniency;
#[cfg(feature = "sim")]
mod sim_links;
#[cfg(feature = "sim")]
mod sim_mailbox;
#[cfg(feature = "sim")]
mod sim_pst;
#[cfg(feature = "sim")]
mod sim_rules;
#[cfg(feature = "sim")]
mod sim_transport;
#[cfg(feature = "sim")]
mod sim_versions;
#[cfg(feature = "sim")]
mod sim_versions_shapes;
#[cfg(feature = "sim")]
mod tenants;
#[cfg(feature = "sim")]
mod v4_portal;
#[cfg(feature = "sim")]
mod versions_e2e;
