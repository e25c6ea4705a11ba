"""What every ERP client is besides its ``ErpProvider`` methods: one HTTP transport."""

from __future__ import annotations

from .http import HttpTransport


class HttpClient:
    """A client over one ``HttpTransport``: its calls counted, its repr free of credentials."""

    http: HttpTransport

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.http.base_url!r})"

    @property
    def calls(self) -> int:
        return self.http.calls

    def close(self) -> None:
        self.http.close()
