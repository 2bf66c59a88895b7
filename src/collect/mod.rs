//! Collectors: the only code that reads the outside world. Each produces the documents of
//! an [`Inventory`](crate::facts::inventory::Inventory); offline sources never dial anything.
//!
//! - `snapshot`: a directory or file of ARM JSON.
//! - `arm` + `auth` + `live`: Azure Resource Manager, read-only, concurrent along the
//!   dependency graph; `export` writes what a live run read as a snapshot.

pub mod arm;
pub mod auth;
pub mod export;
pub mod live;
pub mod probe;
pub mod snapshot;
pub mod template;
