//! Errors a user can hit before any check runs — bad flags, unreadable or malformed input —
//! each naming what, where, and what to do. They all exit 2 (see `exit.rs`).

use std::fmt;
use std::path::PathBuf;

/// A problem with the input: the file, the JSON path inside it when there is one, and what
/// is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: Option<PathBuf>,
    pub json_path: Option<String>,
    pub message: String,
}

impl InputError {
    pub fn new(message: impl Into<String>) -> InputError {
        InputError {
            file: None,
            json_path: None,
            message: message.into(),
        }
    }

    pub fn in_file(file: impl Into<PathBuf>, message: impl Into<String>) -> InputError {
        InputError {
            file: Some(file.into()),
            json_path: None,
            message: message.into(),
        }
    }

    pub fn at(mut self, json_path: impl Into<String>) -> InputError {
        let path = json_path.into();
        if !path.is_empty() {
            self.json_path = Some(path);
        }
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if let Some(path) = &self.json_path {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}
