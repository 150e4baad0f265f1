//! `GET /app-login/{slug}`: an internal app's own login page (spec 001
//! §17.1-§17.7). Sign in with the platform account, then check-access,
//! then the session cookie (`POST /session`) and on to `/runtime/{slug}`.
//! With `?token=` (an invitation): registration, the e-mail locked and the
//! inviter shown. With `?reset=` (a reset link): a new password. A
//! "forgot password" dialog sends the link. The error pages of §17.6 are
//! served here too.

use axum::extract::{Path, Query, State};
use axum::http::header::HeaderMap;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::app_login::script_json;
use super::runtime::{error_page, no_store, session};
use crate::builder::assets::escape_html;
use crate::error::AppError;
use crate::members::{self, invitations};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login_page))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LoginQuery {
    /// An invitation token: the page registers the invitee.
    token: Option<String>,
    /// A password reset token: the page sets a new password.
    reset: Option<String>,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f5f6f8;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center;color:#1f2937}\
main{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0001;width:min(380px,90vw)}\
h1{font-size:1.3rem;margin:0 0 .5rem}.logo{max-height:40px;display:block;margin-bottom:.8rem}\
label{display:block;margin:.6rem 0 .2rem;font-size:.9rem}\
input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #ccd;border-radius:6px;font:inherit}input[readonly]{background:#eef0f3;color:#555}\
button,.button{display:inline-block;margin-top:1rem;width:100%;box-sizing:border-box;text-align:center;padding:.6rem;border:0;border-radius:6px;background:#2456d3;color:#fff;font-size:1rem;cursor:pointer;text-decoration:none}\
.error{color:#b00020;min-height:1.2em;margin-top:.6rem}.note{color:#4b5563;font-size:.9rem}.link{background:none;color:#2456d3;width:auto;padding:0;font-size:.9rem}\
dialog{border:0;border-radius:12px;box-shadow:0 2px 24px #0003;width:min(340px,85vw)}";

/// What the page's script does, by mode.
const SCRIPT: &str = r#"
(function () {
  var config = JSON.parse(document.getElementById("config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var runtime = "/runtime/" + encodeURIComponent(config.slug);
  function post(url, body, token) {
    var headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body) }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) { return { ok: res.ok, status: res.status, data: data }; });
    });
  }
  function detail(r, fallback) { return typeof r.data.detail === "string" ? r.data.detail : fallback; }
  function denied(reason) {
    $("panel").innerHTML = "";
    var h = document.createElement("h1"); h.textContent = "無法存取此應用";
    var p = document.createElement("p"); p.textContent = reason || "";
    var q = document.createElement("p"); q.className = "note"; q.textContent = "如需使用,請聯繫您的管理員將您加入此應用的允許名單。";
    $("panel").append(h, p, q);
  }
  // Signed in: check-access, then the session cookie, then the app.
  function enter(accessToken) {
    return fetch("/api/v1/builder/apps/check-access/" + encodeURIComponent(config.slug), {
      headers: { Authorization: "Bearer " + accessToken }
    }).then(function (res) { return res.json(); }).then(function (check) {
      if (!check.has_access) { denied(check.reason); return; }
      return post("/session", { access_token: accessToken }).then(function (r) {
        if (!r.ok) throw new Error("無法建立登入狀態 (" + r.status + ")");
        location.href = runtime;
      });
    });
  }
  function guard(promise) { return promise.catch(function (e) { $("error").textContent = e.message || "發生錯誤"; }); }
  var form = $("form");
  if (form) form.addEventListener("submit", function (e) {
    e.preventDefault();
    $("error").textContent = "";
    if (config.mode === "register") {
      guard(post("/api/v1/invitations/accept", { token: config.token, name: $("name").value, password: $("password").value }).then(function (r) {
        if (!r.ok) throw new Error(detail(r, "註冊失敗"));
        return enter(r.data.access_token);
      }));
    } else if (config.mode === "reset") {
      guard(post("/api/v1/auth/reset-password", { token: config.reset, password: $("password").value }).then(function (r) {
        if (!r.ok) throw new Error(detail(r, "重設失敗"));
        location.href = "/app-login/" + encodeURIComponent(config.slug) + "?reset_done=1";
      }));
    } else {
      guard(post("/api/v1/auth/login", { email: $("email").value, password: $("password").value }).then(function (r) {
        if (r.status === 401) throw new Error("帳號或密碼錯誤");
        if (!r.ok) throw new Error(detail(r, "登入失敗"));
        return enter(r.data.access_token);
      }));
    }
  });
  var forgot = $("forgot");
  if (forgot) {
    forgot.addEventListener("click", function () { $("forgot-message").textContent = ""; $("forgot-dialog").showModal(); });
    $("forgot-cancel").addEventListener("click", function () { $("forgot-dialog").close(); });
    $("forgot-form").addEventListener("submit", function (e) {
      e.preventDefault();
      post("/api/v1/auth/forgot-password", { email: $("forgot-email").value, slug: config.slug }).then(function (r) {
        $("forgot-message").textContent = r.ok ? r.data.message : detail(r, "寄送失敗");
      });
    });
  }
  if (location.search.indexOf("reset_done=1") >= 0) $("error").textContent = "密碼已重設,請以新密碼登入。";
})();
"#;

fn page(title: &str, logo: Option<&str>, body: &str, config: &serde_json::Value) -> String {
    let logo = logo
        .filter(|url| {
            url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/')
        })
        .map(|url| format!("<img class=\"logo\" src=\"{}\" alt=\"\">", escape_html(url)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-Hant\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
         <style>{STYLE}</style></head><body><main id=\"panel\">{logo}{body}</main>\
         <script type=\"application/json\" id=\"config\">{config}</script><script>{SCRIPT}</script></body></html>\n",
        title = escape_html(title),
        config = script_json(config),
    )
}

/// An internal app's login page (spec 001 §17): sign in, register with an
/// invitation (`?token=`), set a new password (`?reset=`). With a session
/// that may open the app: straight to `/runtime/{slug}`.
#[utoipa::path(get, path = "/app-login/{slug}", tag = "members",
    params(("slug" = String, Path, description = "the app's slug or subdomain"), LoginQuery),
    responses((status = 200, content_type = "text/html", body = String),
        (status = 303, description = "already signed in with access: to /runtime/{slug}"),
        (status = 403, content_type = "text/html", body = String, description = "signed in, but may not open the app"),
        (status = 404, content_type = "text/html", body = String, description = "no such app (應用不存在), or an invalid invitation (邀請連結無效)")))]
async fn login_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<LoginQuery>,
    headers: HeaderMap,
) -> Response {
    let app = match super::members::login_app(&state, &slug).await {
        Ok(app) => app,
        Err(AppError::NotFound(_)) => {
            return error_page(
                StatusCode::NOT_FOUND,
                "應用不存在",
                "找不到此應用,或它尚未發布。請確認連結是否正確。",
            )
        }
        Err(e) => return e.into_response(),
    };
    let logo = crate::accounts::tenant_logo_url(state.db(), crate::db::Id(app.tenant_id))
        .await
        .ok()
        .flatten();
    let login_href = format!("/app-login/{}", app.slug);
    let name = escape_html(&app.name);
    let mut config = serde_json::json!({"slug": app.slug, "mode": "login"});
    let body = if let Some(token) = query.token.as_deref().filter(|t| !t.is_empty()) {
        let invitation = match invitations::find(state.db(), token).await {
            Ok(found) => found.filter(|i| i.app_id.0 == app.id),
            Err(e) => return AppError::from(e).into_response(),
        };
        let Some(invitation) = invitation else {
            let body = format!(
                "<h1>邀請連結無效</h1><p>此邀請連結不存在、已過期或已被使用。</p>\
                 <a class=\"button\" id=\"to-login\" href=\"{}\">前往登入</a>",
                escape_html(&login_href)
            );
            let html = page("邀請連結無效", logo.as_deref(), &body, &config);
            return (StatusCode::NOT_FOUND, no_store(), Html(html)).into_response();
        };
        config["mode"] = "register".into();
        config["token"] = token.into();
        format!(
            "<h1>註冊 {name}</h1><p class=\"note\" id=\"invited-by\">由『{inviter}』邀請您加入『{org}』</p>\
             <form id=\"form\"><label for=\"email\">Email</label>\
             <input id=\"email\" name=\"email\" type=\"email\" value=\"{email}\" readonly>\
             <label for=\"name\">姓名</label><input id=\"name\" name=\"name\" autocomplete=\"name\" value=\"{invitee}\" required>\
             <label for=\"password\">密碼</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"8\" required>\
             <button id=\"submit\" type=\"submit\">註冊並進入</button><p id=\"error\" class=\"error\" role=\"alert\"></p></form>",
            inviter = escape_html(&invitation.inviter),
            org = escape_html(&invitation.organization),
            email = escape_html(&invitation.email),
            invitee = escape_html(&invitation.name),
        )
    } else if let Some(reset) = query.reset.as_deref().filter(|t| !t.is_empty()) {
        config["mode"] = "reset".into();
        config["reset"] = reset.into();
        format!(
            "<h1>重設密碼 · {name}</h1><form id=\"form\">\
             <label for=\"password\">新密碼</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"8\" required>\
             <button id=\"submit\" type=\"submit\">設定新密碼</button><p id=\"error\" class=\"error\" role=\"alert\"></p></form>"
        )
    } else {
        match session(&state, &headers).await {
            Ok(Some((user, _))) => match members::refusal(state.db(), &user, &app).await {
                Ok(None) => return Redirect::to(&format!("/runtime/{}", app.slug)).into_response(),
                Ok(Some(refusal)) => {
                    return error_page(
                        StatusCode::FORBIDDEN,
                        "無法存取此應用",
                        &format!("{}。如需使用,請聯繫您的管理員。", refusal.reason()),
                    )
                }
                Err(e) => return AppError::from(e).into_response(),
            },
            Ok(None) => {}
            Err(e) => return e.into_response(),
        }
        format!(
            "<h1>{name}</h1><form id=\"form\"><label for=\"email\">Email</label>\
             <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required>\
             <label for=\"password\">密碼</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
             <button id=\"submit\" type=\"submit\">登入</button><p id=\"error\" class=\"error\" role=\"alert\"></p></form>\
             <button type=\"button\" class=\"link\" id=\"forgot\">忘記密碼?</button>\
             <dialog id=\"forgot-dialog\"><form id=\"forgot-form\"><h2>忘記密碼</h2>\
             <label for=\"forgot-email\">Email</label><input id=\"forgot-email\" type=\"email\" required>\
             <button type=\"submit\">寄送重設信</button><button type=\"button\" class=\"link\" id=\"forgot-cancel\">取消</button>\
             <p id=\"forgot-message\" class=\"note\" role=\"status\"></p></form></dialog>"
        )
    };
    let html = page(
        &format!("登入 · {}", app.name),
        logo.as_deref(),
        &body,
        &config,
    );
    (no_store(), Html(html)).into_response()
}
