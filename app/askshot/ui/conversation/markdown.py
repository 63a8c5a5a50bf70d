"""Markdown -> the HTML subset Qt's QTextDocument understands, for model replies.

CommonMark plus GFM tables, strikethrough and task lists (markdown-it-py + mdit-py-plugins). A
reply is untrusted text, so raw HTML is shown as text, images are never embedded from a URL (a
reply could carry a tracking pixel: they become links), and only http, https and mailto links
stay clickable. Code blocks are highlighted by Pygments into inline-styled spans (Qt ignores
stylesheets and classes) and get a "Copy" link whose href names the block: `askshot-copy:N`.
No Qt here (a test proves it): the renderer inserts the HTML, the transcript handles the links.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from mdit_py_plugins.texmath import texmath_plugin
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.style import StyleMeta
from pygments.styles import get_style_by_name
from pygments.token import Token as PygToken
from pygments.token import _TokenType
from pygments.util import ClassNotFound

from askshot.core.tables import cells

COPY_SCHEME = "askshot-copy"
OPEN_FENCE = "askshot-open"  # Token.meta key: a fence still streaming in (no closing line yet)
SAFE_LINK_SCHEMES = ("http:", "https:", "mailto:")
_DATA_IMAGE_PREFIXES = tuple(
    f"data:image/{kind};base64," for kind in ("png", "jpeg", "gif", "webp")
)
_CHECKED = "☑"
_UNCHECKED = "☐"


@dataclass(frozen=True)
class Theme:
    """Colours that must stay readable on the view's background (light or dark palette)."""

    pygments_style: str
    code_bg: str
    code_fg: str
    code_header_fg: str
    inline_code_bg: str
    table_border: str
    table_header_bg: str
    quote_fg: str
    link: str
    math_fg: str  # formulas: the body text's colour
    muted: str  # the facts under an answer, notes, the links under a question
    band: str  # the background of the user's questions
    error: str  # a failure's sentence


LIGHT = Theme(
    pygments_style="default",
    code_bg="#f6f8fa",
    code_fg="#1f2328",
    code_header_fg="#57606a",
    inline_code_bg="#eff1f3",
    table_border="#d0d7de",
    table_header_bg="#f6f8fa",
    quote_fg="#57606a",
    link="#0969da",
    math_fg="#1f2328",
    muted="#656d76",
    band="#f1f3f5",
    error="#c62828",
)
DARK = Theme(
    pygments_style="github-dark",
    code_bg="#0d1117",
    code_fg="#e6edf3",
    code_header_fg="#8b949e",
    inline_code_bg="#343942",
    table_border="#3d444d",
    table_header_bg="#21262d",
    quote_fg="#9198a1",
    link="#4493f8",
    math_fg="#e6edf3",
    muted="#9198a1",
    band="#262a31",
    error="#ff7b72",
)


def theme(dark: bool) -> Theme:
    return DARK if dark else LIGHT


@dataclass(frozen=True)
class Labels:
    """The few words the HTML itself shows; the view passes translated ones."""

    copy: str = "Copy"
    image: str = "Image"
    copy_csv: str = "Copy CSV"
    copy_tsv: str = "Copy TSV"
    save_csv: str = "Save CSV…"


# A table's cells, row by row (the header first), as plain text: what its Copy/Save links give.
Table = tuple[tuple[str, ...], ...]
# What a copy link can name: a code block's exact code, or a table's cells.
Copyable = str | Table
# The formats of a table's links: "askshot-copy:R/N.csv" and so on.
TABLE_FORMATS = ("csv", "tsv", "save")


@dataclass(frozen=True)
class RenderedHtml:
    html: str
    # the raw code of each block and the cells of each table, in order (copy links number them)
    code_blocks: list[Copyable] = field(default_factory=list)


@dataclass
class RenderContext:
    """Per-render state, carried through markdown-it's `env` to the render rules."""

    theme: Theme
    labels: Labels
    copy_prefix: str
    first_code_block: int = 0
    code_blocks: list[Copyable] = field(default_factory=list)
    open_tables: list[int] = field(default_factory=list)  # the numbers of the tables being drawn
    link_stack: list[bool] = field(default_factory=list)  # True = an <a> was opened


def copy_href(n: int, prefix: str = f"{COPY_SCHEME}:") -> str:
    return f"{prefix}{n}"


def is_safe_link(url: str) -> bool:
    return url.lower().startswith(SAFE_LINK_SCHEMES)


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _link_open(href: str, t: Theme) -> str:
    return f'<a href="{_attr(href)}" style="color:{t.link}">'


# -- code highlighting ------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _lexer(lang: str) -> Lexer | None:
    name = lang.strip().lstrip("{.").rstrip("}").lower()
    if not name:
        return None
    options: dict[str, Any] = {"stripnl": False, "ensurenl": False}
    try:
        return get_lexer_by_name(name, **options)
    except ClassNotFound:
        pass
    try:
        return get_lexer_for_filename(f"code.{name}", **options)
    except ClassNotFound:
        return None


@lru_cache(maxsize=8)
def _token_css(style_name: str) -> dict[_TokenType, str]:
    """Inline CSS per Pygments token type: colour, bold, italic (all Qt renders of a style)."""
    style: StyleMeta = get_style_by_name(style_name)
    css: dict[_TokenType, str] = {}
    for ttype, spec in style:
        if ttype in PygToken.Text.Whitespace:
            continue
        parts = []
        if spec["color"]:
            parts.append(f"color:#{spec['color']}")
        if spec["bold"]:
            parts.append("font-weight:bold")
        if spec["italic"]:
            parts.append("font-style:italic")
        if parts:
            css[ttype] = ";".join(parts)
    return css


def highlight(code: str, lang: str, *, dark: bool) -> str:
    """Code as escaped HTML with coloured spans; plain escaped text when the language is
    unknown. Runs of one style are merged so the HTML stays small."""
    return _highlight(code, lang, theme(dark).pygments_style)


@lru_cache(maxsize=128)  # a closed block is rendered again while the next one is still open
def _highlight(code: str, lang: str, style_name: str) -> str:
    lexer = _lexer(lang)
    if lexer is None:
        return _esc(code)
    css = _token_css(style_name)
    out: list[str] = []
    run: list[str] = []
    run_style = ""

    def flush() -> None:
        if run:
            text = _esc("".join(run))
            out.append(f'<span style="{run_style}">{text}</span>' if run_style else text)
            run.clear()

    for ttype, value in lexer.get_tokens(code):
        style = ""
        t: _TokenType | None = ttype
        while t is not None:
            if t in css:
                style = css[t]
                break
            t = t.parent
        if style != run_style:
            flush()
            run_style = style
        run.append(value)
    flush()
    return "".join(out)


COMMON_LANGUAGES = (
    "python", "javascript", "typescript", "bash", "json", "html", "css", "sql", "c", "cpp",
    "java", "go", "rust", "yaml", "toml", "diff", "csharp", "kotlin", "swift", "ruby", "php",
)  # fmt: skip


def warm_up(languages: Sequence[str] = COMMON_LANGUAGES) -> None:
    """Load and compile common lexers (10-50 ms each on first use), e.g. on a background
    thread at start-up, so that a reply's first code block does not stall the GUI."""
    for lang in languages:
        lexer = _lexer(lang)
        if lexer is not None:
            for _ in lexer.get_tokens("x = 1\n"):
                pass


# -- markdown-it renderer ---------------------------------------------------------------------


class QtHtmlRenderer(RendererHTML):
    """markdown-it's HTML renderer, bent to Qt's rich-text subset and to untrusted input."""

    @staticmethod
    def _ctx(env: EnvType) -> RenderContext:
        ctx = env.get("askshot")
        assert isinstance(ctx, RenderContext), "render with env={'askshot': RenderContext}"
        return ctx

    # raw HTML never reaches Qt: with html=False markdown-it only emits these for plugins
    def html_block(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return f"<p>{_esc(tokens[idx].content)}</p>"

    def html_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        content = tokens[idx].content
        if content.startswith("<input") and "task-list-item-checkbox" in content:
            return _CHECKED if 'checked="checked"' in content else _UNCHECKED
        return _esc(content)

    def code_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        bg = self._ctx(env).theme.inline_code_bg
        return f'<code style="background-color:{bg}">{_esc(tokens[idx].content)}</code>'

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        lang = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
        return self._code(token.content, lang, env, still_open=bool(token.meta.get(OPEN_FENCE)))

    def code_block(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return self._code(tokens[idx].content, "", env)

    def _code(self, content: str, lang: str, env: EnvType, *, still_open: bool = False) -> str:
        ctx = self._ctx(env)
        code = content[:-1] if content.endswith("\n") else content
        n = ctx.first_code_block + len(ctx.code_blocks)
        ctx.code_blocks.append(code)
        t = ctx.theme
        body = _highlight(code, lang, t.pygments_style) if code else "&nbsp;"
        name = _esc(lang.lstrip("{.").rstrip("}")) if lang else "&nbsp;"
        if still_open:
            # While it streams in: shaded blocks, no table. Inserting or removing a table makes
            # Qt re-scan every frame of the document, and the open block is replaced per update.
            return (
                f'<p style="background-color:{t.code_bg}; color:{t.code_header_fg}; '
                f'font-size:small; margin-top:4px; margin-bottom:0">{name}</p>'
                f'<pre style="background-color:{t.code_bg}; color:{t.code_fg}; margin-top:0; '
                f'margin-bottom:8px; white-space:pre-wrap">{body}</pre>\n'
            )
        href = _attr(copy_href(n, ctx.copy_prefix))
        return (
            f'<table width="100%" cellspacing="0" cellpadding="6" border="0" '
            f'bgcolor="{t.code_bg}" style="margin-top:4px; margin-bottom:8px">'
            f'<tr><td><span style="color:{t.code_header_fg}; font-size:small">{name}</span></td>'
            f'<td align="right"><a href="{href}" '
            f'style="color:{t.link}; font-size:small; text-decoration:none">'
            f"{_esc(ctx.labels.copy)}</a></td></tr>"
            f'<tr><td colspan="2"><pre style="margin:0; white-space:pre-wrap; '
            f'color:{t.code_fg}">{body}</pre></td></tr></table>\n'
        )

    def link_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        ctx = self._ctx(env)
        href = str(tokens[idx].attrGet("href") or "")
        inside = any(ctx.link_stack)
        safe = is_safe_link(href) and not inside
        ctx.link_stack.append(safe)
        return _link_open(href, ctx.theme) if safe else ""

    def link_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        ctx = self._ctx(env)
        opened = ctx.link_stack.pop() if ctx.link_stack else False
        return "</a>" if opened else ""

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        ctx = self._ctx(env)
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        alt = self.renderInlineAsText(token.children or [], options, env)
        if src.startswith(_DATA_IMAGE_PREFIXES):  # self-contained: nothing to fetch or track
            return f'<img src="{_attr(src)}" alt="{_attr(alt)}">'
        label = _esc(f"[{ctx.labels.image}: {alt or src}]")
        if is_safe_link(src) and not any(ctx.link_stack):
            return f"{_link_open(src, ctx.theme)}{label}</a>"
        return label

    def table_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        ctx = self._ctx(env)
        ctx.open_tables.append(ctx.first_code_block + len(ctx.code_blocks))
        ctx.code_blocks.append(cells(tokens, idx))
        t = ctx.theme
        return (
            f'<table border="1" cellspacing="0" cellpadding="5" '
            f'style="border-collapse:collapse; border-color:{t.table_border}; '
            f'margin-top:4px; margin-bottom:8px">\n'
        )

    def table_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        """The table, then its links: Copy CSV · Copy TSV (pastes into a spreadsheet) · Save."""
        ctx = self._ctx(env)
        n = ctx.open_tables.pop()
        labels = {
            "csv": ctx.labels.copy_csv,
            "tsv": ctx.labels.copy_tsv,
            "save": ctx.labels.save_csv,
        }
        links = " · ".join(
            f'<a href="{_attr(copy_href(n, ctx.copy_prefix))}.{fmt}" '
            f'style="color:{ctx.theme.link}; text-decoration:none">{_esc(labels[fmt])}</a>'
            for fmt in TABLE_FORMATS
        )
        return f'</table>\n<p style="font-size:small; margin-top:0">{links}</p>\n'

    # -- math: an image the view draws (formulas.py) ------------------------------------------

    def _formula(self, latex: str, env: EnvType, *, display: bool, block: bool = False) -> str:
        from askshot.ui.conversation.formulas import url_for

        url = _attr(url_for(latex, display, self._ctx(env).theme.math_fg))
        if block:
            return f'<p align="center"><img src="{url}"></p>\n'
        return f'<img src="{url}" style="vertical-align: middle">'

    def math_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return self._formula(tokens[idx].content, env, display=False)

    def math_inline_double(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return self._formula(tokens[idx].content, env, display=True)

    def math_single(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return self._formula(tokens[idx].content, env, display=False)

    def math_block(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return self._formula(tokens[idx].content, env, display=True, block=True)

    math_block_label = math_block
    math_block_eqno = math_block

    def th_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        bg = self._ctx(env).theme.table_header_bg
        return f'<th bgcolor="{bg}"{self._align(tokens[idx])}>'

    def td_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return f"<td{self._align(tokens[idx])}>"

    @staticmethod
    def _align(token: Token) -> str:
        style = str(token.attrGet("style") or "")
        for side in ("left", "center", "right"):
            if style == f"text-align:{side}":
                return f' align="{side}"'
        return ""

    def bullet_list_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        if self._all_tasks(tokens, idx):
            return '<ul style="list-style-type:none">\n'
        return "<ul>\n"

    @staticmethod
    def _all_tasks(tokens: Sequence[Token], idx: int) -> bool:
        if tokens[idx].attrGet("class") != "contains-task-list":
            return False
        level = tokens[idx].level
        for token in tokens[idx + 1 :]:
            if token.level == level:
                return True  # the list's close
            if (
                token.type == "list_item_open"
                and token.level == level + 1
                and not str(token.attrGet("class") or "").startswith("task-list-item")
            ):
                return False
        return True

    def list_item_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return "<li>"

    # Qt drops an empty block and merges it with the next, differently when the next block
    # arrives later: give empty items, headings and quotes a no-break space to keep their place.
    def list_item_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return _NBSP + "</li>\n" if _empty_before(tokens, idx) else "</li>\n"

    def heading_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        tag = tokens[idx].tag
        return f"{_NBSP}</{tag}>\n" if _empty_before(tokens, idx) else f"</{tag}>\n"

    def blockquote_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        filler = f"<p>{_NBSP}</p>" if _empty_before(tokens, idx) else ""
        return f"{filler}</blockquote>\n"

    def ordered_list_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        start = tokens[idx].attrGet("start")
        return f'<ol start="{int(start)}">\n' if start is not None else "<ol>\n"

    def blockquote_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return f'<blockquote style="color:{self._ctx(env).theme.quote_fg}">\n'

    def hr(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        # Qt draws a rule in the palette's Dark colour unless it has a background
        return f'<hr style="background-color:{self._ctx(env).theme.table_border}">\n'

    def s_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "<s>"

    def s_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "</s>"


_NBSP = "&nbsp;"
# "$10 at `$HOME`": a number and a space after the opening dollar with no TeX in what follows
# is a price, and a backtick inside means a code span was meant; neither is a formula.
_PRICE = re.compile(r"^\$\d[\d.,]*\s[^\\^_={}+\-]*\$$")
_TEX = re.compile(r"[\\^_={}]")


def _guarded(rule: Any) -> Any:
    """The dollar-math rule, turning down what only looks like math."""

    def guarded(state: StateInline, silent: bool) -> bool:
        start, count, pending = state.pos, len(state.tokens), state.pending
        if not rule(state, silent):
            return False
        src, end = state.src, state.pos
        span = src[start:end]
        not_math = (
            "`" in span  # a code span was meant
            or bool(_PRICE.match(span))  # "$10 at $"
            # pandoc's rule for prices: no digit right before the opening or after the closing
            # dollar ("20$ and $30"; "$20,000 and $30,000" has a space inside already)
            or (start > 0 and src[start - 1].isdigit() and not _TEX.search(span))
            or (end < len(src) and src[end].isdigit())
        )
        if not not_math:
            return True
        del state.tokens[count:]  # the formula, and the text before it pushed with it...
        state.pending = pending  # ...which goes back to waiting
        state.pos = start
        return False

    return guarded


def _whole_lines(rule: Any) -> Any:
    """A \\[…\\] block only when nothing but an equation number follows its closing bracket on
    that line: "\\[a\\] and \\[b\\]" is a paragraph with two formulas, not one block."""

    def whole(state: Any, start_line: int, end_line: int, silent: bool) -> bool:
        count, line = len(state.tokens), state.line
        if not rule(state, start_line, end_line, silent):
            return False
        last = state.line - 1 if state.line > start_line else start_line
        tail = state.src[state.bMarks[last] + state.tShift[last] : state.eMarks[last]]
        after = tail[tail.find("\\]") + 2 :] if "\\]" in tail else ""
        inner = state.tokens[-1].content if len(state.tokens) > count else ""
        if "\\]" not in inner and (not after.strip() or re.fullmatch(r"\s*\(\S+\)\s*", after)):
            return True
        del state.tokens[count:]
        state.line = line
        return False

    return whole


def _display_brackets(state: StateInline, silent: bool) -> bool:
    """\\[…\\] inside a paragraph (on lines of their own it is a block): a display formula."""
    src, start = state.src, state.pos
    if not src.startswith("\\[", start):
        return False
    if start > 0 and src[start - 1] == "\\":  # "\\\\[": an escaped backslash, then text
        return False
    end = src.find("\\]", start + 2)
    if end < 0 or not src[start + 2 : end].strip():
        return False  # not closed (yet): text
    if re.fullmatch(r"[\w.-]{1,3}", src[start + 2 : end]):
        return False  # "see \\[1\\]": Markdown's escaped brackets around a reference
    if not silent:
        token = state.push("math_inline_double", "math", 0)
        token.content = src[start + 2 : end]
        token.markup = "\\["
    state.pos = end + 2
    return True


MATH_RULES = (
    "math_inline",
    "math_inline_double",
    "math_single",
    "math_block",
    "math_block_label",
    "math_block_eqno",
)


def _empty_before(tokens: Sequence[Token], idx: int) -> bool:
    """True when the block closed at idx has no content (its open, or an empty inline, is just
    before it)."""
    prev = tokens[idx - 1] if idx else None
    if prev is None:
        return False
    if prev.type == "inline" and not prev.content and idx >= 2:
        prev = tokens[idx - 2]
    return prev.nesting == 1 and prev.level == tokens[idx].level


def make_parser() -> MarkdownIt:
    """CommonMark + GFM tables, strikethrough, task lists; raw HTML off (shown as text)."""
    md = MarkdownIt("commonmark", {"html": False}, renderer_cls=QtHtmlRenderer)
    md.enable(["table", "strikethrough"])
    md.use(tasklists_plugin)
    # Math as models write it: $…$ (not "$5 and $10", not "$HOME and $PATH": no space inside
    # the dollars, no digit outside them), $$…$$ inline or as a block, \(…\) and \[…\]; never
    # inside code spans or fences, and a formula still open (no closing delimiter yet) is text.
    # allow_digits=False would look at the paragraph's last character for a formula at its
    # start (src[-1]): the digit rules are _guarded's instead.
    md.use(dollarmath_plugin, allow_space=False, allow_digits=True, double_inline=True)
    md.use(texmath_plugin, delimiters="brackets")
    ruler = md.inline.ruler
    dollars = ruler.__rules__[ruler.__find__("math_inline")].fn
    ruler.at("math_inline", _guarded(dollars))
    ruler.before("escape", "math_display_brackets", _display_brackets)
    for block_rule in md.block.ruler.__rules__:  # texmath's \[…\] blocks: the whole line only
        if block_rule.fn.__module__.startswith("mdit_py_plugins.texmath"):
            block_rule.fn = _whole_lines(block_rule.fn)
    md.block.ruler.__cache__ = None
    for rule in MATH_RULES:  # the plugins set their own (MathJax-style) rules: ours instead
        md.add_render_rule(rule, getattr(QtHtmlRenderer, rule))
    return md


_PARSER = make_parser()


def parser() -> MarkdownIt:
    return _PARSER


def render_tokens(
    tokens: Sequence[Token],
    *,
    dark: bool,
    first_code_block: int = 0,
    copy_prefix: str = f"{COPY_SCHEME}:",
    labels: Labels | None = None,
    env: dict[str, Any] | None = None,
) -> RenderedHtml:
    """Render tokens from `parser().parse()`; code blocks are numbered from first_code_block."""
    ctx = RenderContext(theme(dark), labels or Labels(), copy_prefix, first_code_block)
    render_env: dict[str, Any] = dict(env or {})
    render_env["askshot"] = ctx
    out = _PARSER.renderer.render(tokens, _PARSER.options, render_env)
    return RenderedHtml(str(out).strip(), ctx.code_blocks)


def render_markdown(
    text: str,
    *,
    dark: bool,
    first_code_block: int = 0,
    copy_prefix: str = f"{COPY_SCHEME}:",
    labels: Labels | None = None,
) -> RenderedHtml:
    """The whole reply at once. The streaming renderer renders it piece by piece instead."""
    env: dict[str, Any] = {}
    tokens = _PARSER.parse(text, env)
    return render_tokens(
        tokens,
        dark=dark,
        first_code_block=first_code_block,
        copy_prefix=copy_prefix,
        labels=labels,
        env=env,
    )
