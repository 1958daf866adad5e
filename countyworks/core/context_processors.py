from .nav import navigation_for


def platform_date(request):
    """The thin banner of a platform running on a pinned date (the demo): 演示数据 · 系统日期 …"""
    from . import clock

    return {"pinned_today": clock.today() if clock.is_pinned() else None}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    return {"nav": navigation_for(user, request.path)}
