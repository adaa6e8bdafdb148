from typing import Any

from django.http import HttpRequest

from garrison.web.navigation import entries_for, section_links


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": [], "section_links": []}
    entries = entries_for(user)
    return {"navigation": entries, "section_links": section_links(entries, request.path, user)}
