"""The 登录 page: a key typed once becomes an HttpOnly cookie; 退出登录 clears it.

A plain HTML form, served by FastAPI before the Gradio app: nothing of Gradio runs for a
caller without a key (the request gate sends UI pages there). The cookie holds no key: it
names the key id, an expiry and an HMAC (``AccessPolicy.session_cookie``), is HttpOnly (page
scripts cannot read it), ``SameSite=Lax`` (other sites cannot post with it) and scoped to
``/ui`` (the REST API takes keys only).
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ui.api.access import SESSION_COOKIE, AccessPolicy
from ui.api.gate import LOGIN_PATH, LOGOUT_PATH, UI_PATH
from ui.web.html import esc

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 政策文件智能问答</title>
<style>
body {{ font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; background: #f5f7fa; margin: 0; }}
main {{ max-width: 420px; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: 8px;
        box-shadow: 0 1px 4px rgba(0,0,0,.12); }}
h1 {{ font-size: 1.3rem; margin-top: 0; }}
label {{ display: block; margin: 1rem 0 .4rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; }}
button {{ margin-top: 1rem; width: 100%; padding: .6rem; font-size: 1rem; background: #2563eb; color: #fff;
          border: 0; border-radius: 4px; cursor: pointer; }}
.error {{ color: #b91c1c; }} .note {{ color: #555; font-size: .9rem; }}
</style></head>
<body><main>
<h1>政策文件智能问答 · 登录</h1>
{message}
<form method="post" action="{action}">
<label for="pq-login-key">API 密钥</label>
<input id="pq-login-key" name="key" type="password" autocomplete="current-password" placeholder="pqa_…" required autofocus>
<button id="pq-login-submit" type="submit">登录</button>
</form>
<p class="note">密钥由管理员用 <code>policyqa keys create</code> 创建。登录后只显示该密钥有权查看的文档。</p>
</main></body></html>"""

_HEADERS = {"Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "form-action 'self'; frame-ancestors 'none'", "X-Frame-Options": "DENY"}


def _policy(request: Request) -> AccessPolicy:
    return request.app.state.service.policy


def _page(message: str = "", status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(message=message, action=LOGIN_PATH), status_code=status, headers=_HEADERS)


@router.get(LOGIN_PATH)
async def login_form(request: Request) -> Response:
    """The form (straight to the UI when the service is open: there is nothing to log in to)."""
    if _policy(request).is_open():
        return RedirectResponse(f"{UI_PATH}/", status_code=303)
    return _page()


@router.post(LOGIN_PATH)
async def login(request: Request, key: str = Form("")) -> Response:
    """Check the key; a valid one gets the session cookie and goes to the UI."""
    policy = _policy(request)
    if policy.is_open():
        return RedirectResponse(f"{UI_PATH}/", status_code=303)
    principal = policy.keys.authenticate(key.strip()) if key.strip() else None
    if principal is None:
        return _page(f'<p class="error" id="pq-login-error">{esc("API 密钥无效或已吊销，请重新输入。")}</p>', 401)
    response = RedirectResponse(f"{UI_PATH}/", status_code=303)
    response.set_cookie(SESSION_COOKIE, policy.session_cookie(principal), max_age=policy.session_ttl_s,
                        path=UI_PATH, httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


@router.api_route(LOGOUT_PATH, methods=["GET", "POST"])
async def logout(request: Request) -> Response:
    """Forget the session cookie and show the login form again."""
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=UI_PATH, httponly=True, samesite="lax")
    return response
