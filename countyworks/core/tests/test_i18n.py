import pytest

from countyworks.core.factories import user_with_role


@pytest.mark.django_db
def test_chinese_by_default_even_for_an_english_browser_and_english_when_chosen(client):
    client.force_login(user_with_role())
    resp = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "企业名录" in resp.content.decode() and 'lang="zh-hans"' in resp.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="en"' in html and "Enterprises" in html and "Log out" in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "企业名录" in client.get("/").content.decode()
