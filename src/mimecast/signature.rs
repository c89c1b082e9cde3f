//! Mimecast API 1.0 request signing (the `MC` authorization realm).
//!
//! Every API 1.0 call carries `Authorization: MC {accessKey}:{signature}` where the signature is
//! `base64(HMAC-SHA1(base64decode(secretKey), "{x-mc-date}:{x-mc-req-id}:{path}:{appKey}"))`.
//! The client signs with these functions and the sandbox verifies with them, and a unit test pins
//! them to the worked example of the API reference.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;

type HmacSha1 = Hmac<Sha1>;

/// The secret key is not standard padded Base64, so no signature can be made with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the Mimecast secret key is not valid Base64")]
pub struct InvalidSecretKey;

/// The exact text that API 1.0 signs: `date:req-id:path:app-key`.
pub fn string_to_sign(date: &str, request_id: &str, path: &str, app_key: &str) -> String {
    format!("{date}:{request_id}:{path}:{app_key}")
}

/// Computes the Base64 HMAC-SHA1 signature of one request.
///
/// `secret_key_b64` is the Secret Key as Mimecast issues it (standard Base64); `path` is the
/// request path only (`/api/gateway/hold-release`), never the scheme or host.
pub fn sign(
    secret_key_b64: &str,
    date: &str,
    request_id: &str,
    path: &str,
    app_key: &str,
) -> Result<String, InvalidSecretKey> {
    let key = STANDARD
        .decode(secret_key_b64.trim())
        .map_err(|_| InvalidSecretKey)?;
    let mut mac = HmacSha1::new_from_slice(&key).map_err(|_| InvalidSecretKey)?;
    mac.update(string_to_sign(date, request_id, path, app_key).as_bytes());
    Ok(STANDARD.encode(mac.finalize().into_bytes()))
}

/// Checks a presented signature in constant time (the sandbox's side of [`sign`]).
pub fn verify(
    secret_key_b64: &str,
    date: &str,
    request_id: &str,
    path: &str,
    app_key: &str,
    presented_b64: &str,
) -> bool {
    let Ok(key) = STANDARD.decode(secret_key_b64.trim()) else {
        return false;
    };
    let Ok(presented) = STANDARD.decode(presented_b64.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha1::new_from_slice(&key) else {
        return false;
    };
    mac.update(string_to_sign(date, request_id, path, app_key).as_bytes());
    mac.verify_slice(&presented).is_ok()
}

/// The value of the `Authorization` header: `MC {access_key}:{signature}`.
pub fn authorization_header(access_key: &str, signature: &str) -> String {
    format!("MC {access_key}:{signature}")
}

/// Formats the `x-mc-date` header the way Mimecast documents it: `Tue, 24 Nov 2015 12:50:11 UTC`.
pub fn header_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SECRET: &str = "U2VjcmV0S2V5"; // base64("SecretKey")
    const DATE: &str = "Tue, 24 Nov 2015 12:50:11 UTC";
    const REQ_ID: &str = "8578FCFC-A305-4D9A-99CB-F4D5ECEFE297";

    #[test]
    fn reproduces_the_reference_vector() {
        let signature = sign(
            SECRET,
            DATE,
            REQ_ID,
            "/api/gateway/hold-release",
            "ApplicationKey",
        )
        .expect("valid key");
        assert_eq!(
            authorization_header("AccessKey", &signature),
            "MC AccessKey:Pd0nVL0RBA4GoM+HjauFPsP2gGI="
        );
    }

    #[test]
    fn signs_the_path_not_the_url() {
        let signature = sign(
            SECRET,
            "Sun, 21 Aug 2022 13:49:40 EDT",
            "3d796b76-4180-40e5-8f7c-6e0fd643b1a9",
            "/api/test/some-url",
            "ApplicationKey",
        )
        .expect("valid key");
        assert_eq!(signature, "Phz1Ig0xLLb3cYx2LuCMFlt1CfY=");
    }

    #[test]
    fn verify_accepts_its_own_signature_and_rejects_changes() {
        let path = "/api/gateway/hold-release";
        let good = sign(SECRET, DATE, REQ_ID, path, "ApplicationKey").expect("valid key");
        assert!(verify(SECRET, DATE, REQ_ID, path, "ApplicationKey", &good));
        assert!(!verify(
            SECRET,
            DATE,
            REQ_ID,
            "/api/gateway/hold-reject",
            "ApplicationKey",
            &good
        ));
        assert!(!verify(SECRET, DATE, REQ_ID, path, "OtherKey", &good));
        assert!(!verify(
            SECRET,
            DATE,
            REQ_ID,
            path,
            "ApplicationKey",
            "not base64!"
        ));
    }

    #[test]
    fn rejects_a_secret_that_is_not_base64() {
        assert_eq!(
            sign("not*base64", DATE, REQ_ID, "/api/x", "k"),
            Err(InvalidSecretKey)
        );
    }

    #[test]
    fn header_date_uses_a_literal_utc_suffix() {
        let at = chrono::Utc
            .with_ymd_and_hms(2015, 11, 24, 12, 50, 11)
            .unwrap();
        assert_eq!(header_date(at), DATE);
    }
}
