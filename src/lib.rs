//! pullpath: verifies that an Azure App Service Linux app can pull its container image from
//! a private registry over VNet integration and a private endpoint.
//!
//! The pipeline is `collect` (all I/O) → `facts` (typed, observed values) → `checks` (a pure,
//! static catalog) → `report` (one renderer per format). `run` wires it to the command line.

pub mod checks;
pub mod cli;
pub mod collect;
pub mod error;
pub mod exit;
pub mod facts;
pub mod report;
pub mod run;
