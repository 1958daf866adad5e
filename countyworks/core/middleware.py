import time

from .audit import reset_request_ip, set_request_ip


def client_ip(request):
    """The client address; behind the reverse proxy, the first X-Forwarded-For hop it appended."""
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        fwd = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if fwd:
            return fwd.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Makes the request's client address available to services writing audit entries."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_request_ip(token)


class DefaultLanguageMiddleware:
    """Simplified Chinese unless the user chose another language with the switcher (the
    language cookie). The browser's Accept-Language is deliberately ignored: an office PC set
    to English must still show the Chinese UI."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if lang not in dict(settings.LANGUAGES):
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        return response


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: no framing by any origin (CSP frame-ancestors, which
    browsers prefer over X-Frame-Options), no plugins, no <base> or form posts to other origins,
    and no camera/microphone/geolocation for scripts (file inputs still open the phone camera)."""

    # scripts only from our own static files (no inline handlers: core/static/core/actions.js reads
    # data-confirm / data-print / data-back / data-autosubmit); inline style attributes stay allowed
    CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
           "font-src 'self'; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; object-src 'none'; "
           "base-uri 'self'; form-action 'self'")
    PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.CSP)
        response.headers.setdefault("Permissions-Policy", self.PERMISSIONS)
        return response


class SessionTouchMiddleware:
    """The idle timeout without a write on every request: a session is renewed (saved with a new
    expiry) only when its last renewal is more than SESSION_TOUCH_INTERVAL seconds old, so at most
    one session write per user per minute, and none for most page views. The idle timeout
    (SESSION_COOKIE_AGE) therefore holds to within that interval."""

    KEY = "_cw_touched"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.conf import settings

        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and response.status_code < 500:
            now = int(time.time())
            if now - int(session.get(self.KEY, 0)) >= getattr(settings, "SESSION_TOUCH_INTERVAL", 60):
                session[self.KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response


class TwoFactorMiddleware:
    """After the password: an account with an authenticator is asked for its code before any page;
    an account that must use one (core.twofactor.required_for) and has none is sent to set it up.
    The login, logout, language, two-factor pages and static files stay open."""

    OPEN = ("/login/", "/logout/", "/i18n/", "/core/2fa/", "/static/")  # API tokens are no session: DRF checks them
    FREE_KEY = "cw_2fa_free_until"  # an account without a device that needs none: asked again after this
    RECHECK_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(self.OPEN):
            verified = getattr(user, "is_verified", lambda: False)()
            if not verified:
                from django.shortcuts import redirect
                from django.urls import reverse
                from django.utils.http import urlencode

                from . import twofactor

                session = getattr(request, "session", None)
                if session is not None and session.get(self.FREE_KEY, 0) > time.time():
                    return self.get_response(request)  # checked within the minute: no device, none needed
                if twofactor.enrolled(user):
                    return redirect(reverse("core:twofactor_verify") + "?" + urlencode({"next": request.get_full_path()}))
                if twofactor.required_for(user):
                    return redirect(reverse("core:twofactor_setup"))
                if session is not None:  # not on every page view: the answer holds for a minute
                    session[self.FREE_KEY] = time.time() + self.RECHECK_SECONDS
        return self.get_response(request)
