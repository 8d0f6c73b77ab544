//! Leak detection in response bodies, and masking of secrets in what is logged.

mod mask;

pub use mask::mask_secrets;
