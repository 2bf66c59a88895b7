//! Collectors: the only code that reads the outside world. Each produces an
//! [`Inventory`](crate::facts::inventory::Inventory); offline sources never dial anything.

pub mod snapshot;
