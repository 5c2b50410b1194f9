//! The one error type of the application layer.

use bangbang_domain::validation::FieldErrors;
use bangbang_store::StoreError;

/// Why a use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that cannot be used, per field (a file that cannot be read, a bad mapping...).
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// What the store refused or could not do.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something that should not happen (a task that died, a file that cannot be written).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// One bad field.
    pub fn invalid(field: &str, message: impl Into<bangbang_domain::validation::Problem>) -> Error {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        Error::Invalid(errors)
    }
}
