"""What a browser would submit: the fields of a page's form, read from its HTML."""

from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._in_form = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_form = True
            self.forms.append([])
        elif not self._in_form:
            return
        elif tag == "input" and a.get("type", "text") not in ("submit", "button", "checkbox"):
            if "name" in a:
                self.forms[-1].append((a["name"], a.get("value", "")))
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.forms[-1].append((a["name"], a.get("value", "on")))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # The HTML parser drops one newline right after <textarea> (browsers do too).
            text = text[1:] if text.startswith("\n") else text
            # Browsers submit a text area's line breaks as CR LF.
            self.forms[-1].append((self._textarea, text.replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def form_data(html: str, containing: str) -> dict[str, str]:
    """The fields of the first form of ``html`` with a field named ``containing``
    (beginning), as a browser would submit them untouched. Text inputs lose their line
    breaks, as in a browser."""
    parser = _Forms()
    parser.feed(html)
    for fields in parser.forms:
        if any(name.startswith(containing) for name, _ in fields):
            return {
                name: value
                if name.startswith(("was", "csrf")) or "\r\n" in value
                else value.replace("\n", "")
                for name, value in fields
            }
    raise AssertionError(f"no form with a field {containing!r}")
