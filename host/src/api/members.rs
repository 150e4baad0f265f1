//! Members of internal apps over HTTP (spec 001 §17.4-§17.7): invitations,
//! accepting one (the account is created and signed in), and password
//! reset links. The app's login page that uses them is `member_login.rs`;
//! the role allow-list and check-access are in `apps.rs`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Extension;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{
    client_address, login_slot, token_pair, TokenResponse, AUTH_BODY_BYTES, MAX_EMAIL_BYTES,
    MAX_PASSWORD_BYTES,
};
use super::callers::Builder;
use crate::builder::apps::{self, AccessMode, AppRecord};
use crate::error::{ApiJson, ApiResult, AppError, ErrorBody};
use crate::members::{invitations, passwords, MemberError};
use crate::state::AppState;

/// Longest token accepted (ours are 64 hex characters).
const MAX_TOKEN_BYTES: usize = 128;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(invite))
        .routes(routes!(accept_invitation))
        .routes(routes!(forgot_password))
        .routes(routes!(reset_password))
        .layer(DefaultBodyLimit::max(AUTH_BODY_BYTES))
}

impl From<MemberError> for AppError {
    fn from(err: MemberError) -> Self {
        match err {
            MemberError::UnknownRole(_) | MemberError::Invalid(_) => {
                AppError::Unprocessable(err.to_string())
            }
            MemberError::RoleAboveInviter(_) => AppError::Forbidden(err.to_string()),
            MemberError::InvalidInvitation | MemberError::InvalidResetLink => {
                AppError::NotFound(err.to_string())
            }
            MemberError::AlreadyMember(..) => AppError::Conflict(err.to_string()),
            MemberError::Account(e) => e.into(),
            MemberError::Database(e) => e.into(),
        }
    }
}

fn bounded(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.len() > max {
        return Err(AppError::Unprocessable(format!(
            "{field} is longer than {max} bytes"
        )));
    }
    Ok(())
}

/// A published internal app by slug or subdomain: the apps with an
/// `/app-login` page.
pub(super) async fn login_app(state: &AppState, slug: &str) -> ApiResult<AppRecord> {
    match apps::find_app(state.db(), None, slug).await {
        Ok(app) if app.status == "published" && app.access_mode == AccessMode::Internal => Ok(app),
        Ok(_) | Err(apps::AppsError::NotFound) => Err(AppError::NotFound(format!(
            "應用不存在: no published internal app {slug:?}"
        ))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
struct InvitationRequest {
    email: String,
    #[serde(default)]
    name: String,
    /// Role names to grant (default `["member"]`); you may grant only roles
    /// whose permissions you have.
    #[serde(default)]
    role_ids: Vec<String>,
    /// `/app-login/{slug}`: the internal app whose login page the invitee
    /// registers on.
    redirect_url: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct InvitationCreated {
    /// Shown once; works once, until `expires_at`.
    token: String,
    /// The app's login page with the token: send it to the invitee.
    chat_invite_link: String,
    expires_at: DateTime<Utc>,
}

/// Invites an e-mail into your organisation through an internal app's
/// login page (spec 001 §17.4); the invitee also gets the link by e-mail.
#[utoipa::path(post, path = "/api/v1/invitations", tag = "members", security(("bearer" = [])), request_body = InvitationRequest,
    responses((status = 201, body = InvitationCreated), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "no builder.access, or a role with permissions you lack"),
        (status = 404, body = ErrorBody, description = "no such app in your organisation"),
        (status = 409, body = ErrorBody, description = "the e-mail already has an account"),
        (status = 422, body = ErrorBody, description = "a bad e-mail, name, role or redirect_url")))]
async fn invite(
    State(state): State<AppState>,
    Builder(user): Builder,
    headers: HeaderMap,
    ApiJson(body): ApiJson<InvitationRequest>,
) -> ApiResult<(StatusCode, ApiJson<InvitationCreated>)> {
    bounded("email", &body.email, MAX_EMAIL_BYTES)?;
    let slug = body
        .redirect_url
        .strip_prefix("/app-login/")
        .filter(|s| !s.is_empty() && s.len() <= 100 && !s.contains(['/', '?', '#']))
        .ok_or_else(|| {
            AppError::Unprocessable(
                "redirect_url must be /app-login/{slug} of one of your internal apps".into(),
            )
        })?;
    let app = apps::find_app(state.db(), Some(user.tenant_id), slug).await?;
    let roles = if body.role_ids.is_empty() {
        vec!["member".to_owned()]
    } else {
        body.role_ids
    };
    let created =
        invitations::create(state.db(), &user, &app, &body.email, &body.name, &roles).await?;
    let link = format!(
        "{}/app-login/{}?token={}",
        super::app_oauth::public_base(&state, &headers),
        app.slug,
        created.token
    );
    if let Some(invitation) = invitations::find(state.db(), &created.token).await? {
        let text = format!(
            "{inviter} 邀請您加入「{org}」使用「{app}」。\n\n請開啟以下連結完成註冊:\n{link}\n\n此連結 {days} 天內有效,只能使用一次。\n",
            inviter = invitation.inviter,
            org = invitation.organization,
            app = app.name,
            days = invitations::INVITATION_DAYS,
        );
        send_mail(
            &state,
            invitation.email,
            format!("邀請您加入「{}」", invitation.organization),
            text,
        )
        .await;
    }
    Ok((
        StatusCode::CREATED,
        ApiJson(InvitationCreated {
            token: created.token,
            chat_invite_link: link,
            expires_at: created.expires_at,
        }),
    ))
}

/// Sends a message, logging (not answering) a failure: the caller's answer
/// must not depend on the mail relay, and an invitation's link is in its
/// answer anyway.
async fn send_mail(state: &AppState, to: String, subject: String, text: String) {
    match state.mailer() {
        Some(mailer) => {
            if let Err(e) = mailer.send(&to, &subject, text).await {
                tracing::error!(error = %e, "sending mail failed");
            }
        }
        None => tracing::warn!("no mailer configured; a message was not sent"),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AcceptRequest {
    token: String,
    /// The invitee's name (default: the name the invitation gave).
    #[serde(default)]
    name: String,
    /// At least 8 characters.
    password: String,
}

/// Accepts an invitation (spec 001 §17.5): creates the account with the
/// invitation's e-mail (an e-mail in the request is ignored) and roles,
/// and signs it in. The token works once.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "members", request_body = AcceptRequest,
    responses((status = 201, body = TokenResponse),
        (status = 404, body = ErrorBody, description = "the invitation does not exist, expired or was used"),
        (status = 422, body = ErrorBody, description = "a password under 8 characters, or a name over 100"),
        (status = 429, body = ErrorBody, description = "the sign-in limits")))]
async fn accept_invitation(
    State(state): State<AppState>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiJson(body): ApiJson<AcceptRequest>,
) -> ApiResult<(StatusCode, ApiJson<TokenResponse>)> {
    bounded("token", &body.token, MAX_TOKEN_BYTES)?;
    bounded("password", &body.password, MAX_PASSWORD_BYTES)?;
    let _slot = login_slot(
        &state,
        client_address(connection.as_ref().map(|c| &c.0)),
        &format!("invitation:{}", body.token),
    )?;
    let (user_id, _app) =
        invitations::accept(state.db(), body.token.trim(), &body.name, &body.password).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(token_pair(&state, user_id).await?),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ForgotRequest {
    email: String,
    /// The internal app whose login page the reset link opens.
    slug: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Accepted {
    message: String,
}

/// Sends a password reset link to `email` if it has an account (spec 001
/// §17.7); the answer is the same either way. The link opens the app's
/// login page and works once, for an hour.
#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "members", request_body = ForgotRequest,
    responses((status = 202, body = Accepted), (status = 404, body = ErrorBody, description = "no published internal app with that slug"),
        (status = 429, body = ErrorBody, description = "the sign-in limits")))]
async fn forgot_password(
    State(state): State<AppState>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ForgotRequest>,
) -> ApiResult<(StatusCode, ApiJson<Accepted>)> {
    bounded("email", &body.email, MAX_EMAIL_BYTES)?;
    bounded("slug", &body.slug, 100)?;
    let account = body.email.trim().to_lowercase();
    let _slot = login_slot(
        &state,
        client_address(connection.as_ref().map(|c| &c.0)),
        &account,
    )?;
    let app = login_app(&state, &body.slug).await?;
    if let Some(token) = passwords::request(state.db(), &account).await? {
        let link = format!(
            "{}/app-login/{}?reset={token}",
            super::app_oauth::public_base(&state, &headers),
            app.slug
        );
        let text = format!(
            "有人要求重設您在「{app}」的密碼。\n\n請開啟以下連結設定新密碼:\n{link}\n\n此連結 {minutes} 分鐘內有效,只能使用一次。若不是您本人要求,請忽略這封信。\n",
            app = app.name,
            minutes = passwords::RESET_MINUTES,
        );
        // Off the request: how long the relay takes must not tell which
        // e-mails have an account.
        let state = state.clone();
        tokio::spawn(async move {
            send_mail(&state, account, "重設密碼".into(), text).await;
        });
    }
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(Accepted {
            message: "若此 Email 有帳號,重設密碼的連結已寄出".into(),
        }),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ResetRequest {
    token: String,
    /// At least 8 characters.
    password: String,
}

/// Sets a new password with a reset link's token (once); the user's
/// refresh tokens are revoked.
#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "members", request_body = ResetRequest,
    responses((status = 204), (status = 404, body = ErrorBody, description = "the link does not exist, expired or was used"),
        (status = 422, body = ErrorBody, description = "a password under 8 characters"),
        (status = 429, body = ErrorBody, description = "the sign-in limits")))]
async fn reset_password(
    State(state): State<AppState>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiJson(body): ApiJson<ResetRequest>,
) -> ApiResult<StatusCode> {
    bounded("token", &body.token, MAX_TOKEN_BYTES)?;
    bounded("password", &body.password, MAX_PASSWORD_BYTES)?;
    let _slot = login_slot(
        &state,
        client_address(connection.as_ref().map(|c| &c.0)),
        &format!("reset:{}", body.token),
    )?;
    passwords::reset(state.db(), body.token.trim(), &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
