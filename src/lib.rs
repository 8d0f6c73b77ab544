//! Tower middleware that keeps HTTP error responses from telling clients more
//! than they should.
#![forbid(unsafe_code)]
#![deny(unreachable_pub)]
#![warn(missing_docs)]

pub mod detect;
