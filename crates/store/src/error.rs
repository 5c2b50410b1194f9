use bangbang_domain::{lifecycle::LifecycleError, validation::FieldErrors};

/// The one error type of the store layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    /// The action is not allowed in the request's current state.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// The actor may see the request but not do this to it.
    #[error("{0}")]
    Forbidden(String),
    /// Well-formed input that does not fit what is stored (unknown category, building...).
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// A uniqueness clash, such as a username that is taken.
    #[error("{0}")]
    Conflict(String),
    /// Stored data that does not parse: someone wrote to the database by hand.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub fn invalid(
        field: &str,
        message: impl Into<bangbang_domain::validation::Problem>,
    ) -> StoreError {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        StoreError::Invalid(errors)
    }

    pub(crate) fn from_unique(err: sqlx::Error, what: &str) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(format!("{what} already exists"))
            }
            _ => StoreError::Database(err),
        }
    }
}
