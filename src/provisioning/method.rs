//! The HTTP methods of the Configuration API's table.

/// The HTTP methods the Configuration API answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    /// Reads.
    Get,
    /// Creates (and a few actions).
    Post,
    /// Updates.
    Put,
    /// Removes.
    Delete,
}

impl Method {
    /// The wire spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// Reads a wire spelling; `None` for any other method.
    pub fn parse(name: &str) -> Option<Method> {
        [Method::Get, Method::Post, Method::Put, Method::Delete]
            .into_iter()
            .find(|m| m.as_str() == name)
    }
}
