//! Platform access tokens. The extractors that authenticate callers with
//! them live in `api::callers`.
//!
//! Access tokens are HS256 JWTs that live an hour (spec 001 §2). They carry
//! only who the caller is; what the caller may do is read from the database on
//! every request ([`accounts::load_principal`]), so disabling a user or
//! changing a role takes effect at once.

use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::db::Id;
use crate::error::AppError;

/// Seconds an access token is valid (`expires_in` of the login answer).
pub const ACCESS_TOKEN_SECONDS: i64 = 3600;

/// The audience of platform tokens. App-user tokens (spec 001 §19) will use
/// their own, so neither kind is ever accepted where the other belongs
/// (NOTES #12).
const PLATFORM_AUDIENCE: &str = "appbox:platform";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: uuid::Uuid,
    tid: uuid::Uuid,
    aud: String,
    iat: i64,
    exp: i64,
}

/// Signs and checks platform access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> TokenKeys {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    pub fn issue_access_token(&self, user_id: Id, tenant_id: Id) -> Result<String, AppError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.0,
            tid: tenant_id.0,
            aud: PLATFORM_AUDIENCE.to_owned(),
            iat: now,
            exp: now + ACCESS_TOKEN_SECONDS,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("signing a token: {e}")))
    }

    /// The user id in a valid, unexpired platform token.
    pub fn verify(&self, token: &str) -> Option<Id> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[PLATFORM_AUDIENCE]);
        validation.leeway = 5;
        decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| Id(data.claims.sub))
    }
}
