"""Access errors as responses: the sign-in page for browsers, JSON for the API."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from web.auth import CsrfError, Forbidden, NotSignedIn, RateLimited, is_api
from web.templating import render

MESSAGES = {
    401: "Bạn cần đăng nhập.",
    403: "Bạn không có quyền mở trang này.",
    404: "Không tìm thấy trang.",
    405: "Phương thức không được hỗ trợ.",
    429: "Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau.",
}
CSRF_MESSAGE = "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại."


def _error(request: Request, status: int, message: str) -> Response:
    if is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


def install(app: FastAPI) -> None:
    async def not_signed_in(request: Request, exc: Exception) -> Response:
        if is_api(request):
            return _error(request, 401, MESSAGES[401])
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/dang-nhap?next={quote(target, safe='/')}", status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        return _error(request, 403, MESSAGES[403])

    async def csrf(request: Request, exc: Exception) -> Response:
        return _error(request, 403, CSRF_MESSAGE)

    async def rate_limited(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimited)
        response = _error(request, 429, MESSAGES[429])
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = MESSAGES.get(exc.status_code) or str(exc.detail)
        return _error(request, exc.status_code, message)

    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(CsrfError, csrf)
    app.add_exception_handler(RateLimited, rate_limited)
    app.add_exception_handler(StarletteHTTPException, http_error)
