//! Pre-deployment sources: an ARM template (or Bicep's compiled JSON) evaluated into the
//! documents the deployment will create, merged over the documents that already exist (a
//! snapshot or live ARM), so the same facts and checks judge what will be there.
//!
//! - `expr`: the expression grammar;
//! - `eval`: expression evaluation, with runtime values deferred;
//! - `arm`: the template walk (parameters, variables, resources, copy, nested deployments);
//! - `terraform`: a Terraform plan's azurerm changes as ARM documents.

pub mod arm;
pub mod eval;
pub mod expr;
pub mod terraform;

pub use eval::{DEFERRED, DeploymentScope, is_deferred};
