//! Tower middleware that keeps HTTP error responses from telling clients more
//! than they should.
#![forbid(unsafe_code)]
#![deny(unreachable_pub)]
#![warn(missing_docs)]

mod body;
pub mod detect;
mod future;
mod layer;
mod log;
mod request_id;
mod response_headers;
mod service;
mod template;

pub use body::{BodyPanicked, ResponseBody};
pub use future::ResponseFuture;
pub use layer::{BuildError, RedactLayer, RedactLayerBuilder, DEFAULT_LOG_BODY_LIMIT};
pub use request_id::{InvalidRequestId, RequestId, UuidVersion, MAX_REQUEST_ID_LEN};
pub use service::RedactService;
pub use template::{PublicMessage, Template, TemplateError};

/// The error type of [`ResponseBody`]: the inner body's error, boxed, or
/// [`BodyPanicked`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
