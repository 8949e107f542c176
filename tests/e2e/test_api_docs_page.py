"""The API documentation page works without internet access."""

from __future__ import annotations

import re

from tests.e2e.conftest import Api


def test_the_docs_page_loads_swagger_ui_from_pagerd_itself(memory_api: Api) -> None:
    page = memory_api.client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets, "the page names its scripts and styles"
    for asset in assets:
        assert asset.startswith("/"), f"{asset} would be fetched from another host"
        assert memory_api.client.get(asset).status_code == 200, asset
