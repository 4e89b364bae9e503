//! Why a Live API request could not be served; the server answers each with
//! its HTTP status.

use crate::model::ModelError;

/// Why a Live API request could not be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveError {
    /// 404: an unknown resource or parent.
    #[error("{0}")]
    NotFound(String),
    /// 412: the request body is not the JSON the action expects.
    #[error("{0}")]
    InvalidBody(String),
    /// 409: the model refused the action.
    #[error("{0}")]
    Refused(#[from] ModelError),
}
