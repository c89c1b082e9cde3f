//! Mimecast API client: authentication (API 2.0 OAuth2, API 1.0 HMAC-SHA1), typed endpoints,
//! pagination as a stream, retries and rate limits, and one error model.

pub mod dates;
pub mod signature;
