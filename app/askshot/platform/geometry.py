"""Screen-capture geometry as pure functions, free of Qt so every case is easy to test.

The desktop is a set of screens, each with a *logical* rectangle (device-independent pixels, the
coordinates Qt's widgets and cursor use) and a device pixel ratio (DPR: physical pixels per logical
pixel). A frozen screenshot of a screen is an image in *physical* pixels. A selection is a logical
rectangle that may touch several screens with different DPRs.

Rules:
- A logical edge maps to a physical edge by rounding half up (`floor(v + 0.5)`), measured from
  the screen's origin, so two selections that share an edge share it in pixels too; results are
  clamped to the image.
- The combined crop is rendered at the largest DPR among the screens the selection touches, so the
  sharpest screen loses nothing; parts from screens with a lower DPR are scaled up to match.
- A selection is first clipped to the screens: the output covers the bounding box of its pieces
  on the screens; space inside that box but on no screen (an L-shaped layout) stays black.
- Like Qt 6, each screen's logical top-left equals its native (physical) top-left; only the size
  is scaled. That is how native X11 window rectangles map back to logical ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


@dataclass(frozen=True)
class Rect:
    """An integer rectangle; `right` and `bottom` are exclusive (x + w, y + h)."""

    x: int
    y: int
    w: int
    h: int

    @classmethod
    def from_points(cls, x0: int, y0: int, x1: int, y1: int) -> Rect:
        """The rectangle spanned by two corner points, in any order (exclusive far edge)."""
        left, right = sorted((x0, x1))
        top, bottom = sorted((y0, y1))
        return cls(left, top, right - left, bottom - top)

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def empty(self) -> bool:
        return self.w <= 0 or self.h <= 0

    def contains(self, px: int, py: int) -> bool:
        return self.x <= px < self.right and self.y <= py < self.bottom

    def intersected(self, other: Rect) -> Rect:
        x0, y0 = max(self.x, other.x), max(self.y, other.y)
        x1, y1 = min(self.right, other.right), min(self.bottom, other.bottom)
        if x1 <= x0 or y1 <= y0:
            return Rect(x0, y0, 0, 0)
        return Rect(x0, y0, x1 - x0, y1 - y0)

    def translated(self, dx: int, dy: int) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)


def bounding(rects: Iterable[Rect]) -> Rect:
    """The smallest rectangle holding every non-empty rectangle (empty if there are none)."""
    items = [r for r in rects if not r.empty]
    if not items:
        return Rect(0, 0, 0, 0)
    x0, y0 = min(r.x for r in items), min(r.y for r in items)
    x1, y1 = max(r.right for r in items), max(r.bottom for r in items)
    return Rect(x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True)
class Screen:
    """A screen: its logical rectangle, its DPR and (optionally) its image's physical size."""

    rect: Rect
    dpr: float = 1.0
    image_size: tuple[int, int] | None = None

    @property
    def physical_size(self) -> tuple[int, int]:
        if self.image_size is not None:
            return self.image_size
        return round_half_up(self.rect.w * self.dpr), round_half_up(self.rect.h * self.dpr)

    @property
    def native_rect(self) -> Rect:
        """Where the screen lies in native (physical) desktop coordinates."""
        w, h = self.physical_size
        return Rect(self.rect.x, self.rect.y, w, h)


@dataclass(frozen=True)
class Piece:
    """Copy `source` (physical pixels of screen `screen`'s image) to `target` (output pixels);
    the two differ in size when the screen's DPR is below the output scale."""

    screen: int
    source: Rect
    target: Rect


@dataclass(frozen=True)
class CropPlan:
    logical: Rect  # the selection clipped to the screens
    scale: float  # output pixels per logical pixel
    width: int
    height: int
    pieces: tuple[Piece, ...]

    @property
    def empty(self) -> bool:
        return not self.pieces or self.width <= 0 or self.height <= 0


def _edges(lo: int, hi: int, origin: int, scale: float) -> tuple[int, int]:
    """The span [lo, hi) measured from `origin`, scaled and rounded."""
    return round_half_up((lo - origin) * scale), round_half_up((hi - origin) * scale)


def _span(lo: int, hi: int, origin: int, scale: float, limit: int) -> tuple[int, int]:
    """`_edges`, clamped to [0, limit]."""
    a, b = _edges(lo, hi, origin, scale)
    return min(max(a, 0), limit), min(max(b, 0), limit)


def plan_crop(selection: Rect, screens: Sequence[Screen]) -> CropPlan:
    """How to cut `selection` (logical) out of the screens' images into one output image."""
    parts = [(i, selection.intersected(s.rect)) for i, s in enumerate(screens)]
    parts = [(i, p) for i, p in parts if not p.empty]
    if selection.empty or not parts:
        return CropPlan(Rect(selection.x, selection.y, 0, 0), 1.0, 0, 0, ())
    clip = bounding(p for _, p in parts)
    scale = max(screens[i].dpr for i, _ in parts)
    # Output pixel edges are measured from the sharpest screen's origin, so on that screen the
    # output pixels are exactly its image pixels (no resampling, also at fractional DPRs).
    ref = next(screens[i].rect for i, _ in parts if screens[i].dpr == scale)
    ox0, ox1 = _edges(clip.x, clip.right, ref.x, scale)
    oy0, oy1 = _edges(clip.y, clip.bottom, ref.y, scale)
    width, height = ox1 - ox0, oy1 - oy0
    pieces: list[Piece] = []
    # Paint low DPR first, so where screens overlap (mirroring) the sharpest image wins.
    for i, part in sorted(parts, key=lambda item: screens[item[0]].dpr):
        screen = screens[i]
        pw, ph = screen.physical_size
        sx0, sx1 = _span(part.x, part.right, screen.rect.x, screen.dpr, pw)
        sy0, sy1 = _span(part.y, part.bottom, screen.rect.y, screen.dpr, ph)
        tx0, tx1 = (min(max(v - ox0, 0), width) for v in _edges(part.x, part.right, ref.x, scale))
        ty0, ty1 = (min(max(v - oy0, 0), height) for v in _edges(part.y, part.bottom, ref.y, scale))
        source = Rect(sx0, sy0, sx1 - sx0, sy1 - sy0)
        target = Rect(tx0, ty0, tx1 - tx0, ty1 - ty0)
        if not source.empty and not target.empty:
            pieces.append(Piece(i, source, target))
    return CropPlan(clip, scale, width, height, tuple(pieces))


def physical_size(selection: Rect, screens: Sequence[Screen]) -> tuple[int, int]:
    """The size in pixels of the image `plan_crop` makes for `selection`."""
    plan = plan_crop(selection, screens)
    return (plan.width, plan.height) if not plan.empty else (0, 0)


def virtual_rect(screens: Sequence[Screen]) -> Rect:
    return bounding(s.rect for s in screens)


def screen_at(px: int, py: int, screens: Sequence[Screen]) -> int | None:
    """The index of the screen holding the logical point, or None."""
    for i, screen in enumerate(screens):
        if screen.rect.contains(px, py):
            return i
    return None


def nearest_screen(px: int, py: int, screens: Sequence[Screen]) -> int:
    """The screen holding the point, else the one closest to it (there must be one screen)."""
    hit = screen_at(px, py, screens)
    if hit is not None:
        return hit

    def distance(s: Screen) -> int:
        dx = max(s.rect.x - px, 0, px - (s.rect.right - 1))
        dy = max(s.rect.y - py, 0, py - (s.rect.bottom - 1))
        return dx * dx + dy * dy

    return min(range(len(screens)), key=lambda i: distance(screens[i]))


def keep_inside(rect: Rect, bounds: Rect) -> Rect:
    """Move `rect` (shrinking it only if it is larger) so it lies inside `bounds`."""
    w, h = min(rect.w, bounds.w), min(rect.h, bounds.h)
    x = min(max(rect.x, bounds.x), bounds.right - w)
    y = min(max(rect.y, bounds.y), bounds.bottom - h)
    return Rect(x, y, w, h)


def nudge(rect: Rect, dx: int, dy: int, bounds: Rect) -> Rect:
    """Move by (dx, dy), stopping at the edges of `bounds`."""
    return keep_inside(rect.translated(dx, dy), bounds)


def resize(rect: Rect, dw: int, dh: int, bounds: Rect, minimum: int = 1) -> Rect:
    """Grow or shrink from the bottom-right corner, at least `minimum` and within `bounds`."""
    w = min(max(rect.w + dw, minimum), bounds.right - rect.x)
    h = min(max(rect.h + dh, minimum), bounds.bottom - rect.y)
    return Rect(rect.x, rect.y, max(w, minimum), max(h, minimum))


def default_selection(screen: Rect) -> Rect:
    """A centred selection half the screen's width and height (keyboard-only start)."""
    w, h = max(screen.w // 2, 1), max(screen.h // 2, 1)
    return Rect(screen.x + (screen.w - w) // 2, screen.y + (screen.h - h) // 2, w, h)


def native_to_logical(native: Rect, screens: Sequence[Screen]) -> Rect | None:
    """Map a rectangle in native desktop pixels (an X11 window) to logical coordinates, through
    the screen holding its centre (or overlapping it most); None when it is on no screen."""
    if native.empty or not screens:
        return None
    cx, cy = native.x + native.w // 2, native.y + native.h // 2
    best: tuple[int, int] | None = None  # (overlap area, index)
    for i, screen in enumerate(screens):
        nr = screen.native_rect
        if nr.contains(cx, cy):
            best = (1 << 62, i)
            break
        overlap = native.intersected(nr)
        if not overlap.empty and (best is None or overlap.w * overlap.h > best[0]):
            best = (overlap.w * overlap.h, i)
    if best is None:
        return None
    screen = screens[best[1]]
    ox, oy, dpr = screen.rect.x, screen.rect.y, screen.dpr
    x0 = ox + round_half_up((native.x - ox) / dpr)
    y0 = oy + round_half_up((native.y - oy) / dpr)
    x1 = ox + round_half_up((native.right - ox) / dpr)
    y1 = oy + round_half_up((native.bottom - oy) / dpr)
    return Rect(x0, y0, x1 - x0, y1 - y0)


def split_desktop_image(width: int, height: int, screens: Sequence[Screen]) -> list[Rect]:
    """Where each screen lies in one image of the whole desktop (what the screenshot portal
    returns): the image spans the screens' logical bounding box at a uniform scale."""
    box = virtual_rect(screens)
    if box.empty or width <= 0 or height <= 0:
        return [Rect(0, 0, 0, 0) for _ in screens]
    fx, fy = width / box.w, height / box.h
    out = []
    for screen in screens:
        x0, x1 = _span(screen.rect.x, screen.rect.right, box.x, fx, width)
        y0, y1 = _span(screen.rect.y, screen.rect.bottom, box.y, fy, height)
        out.append(Rect(x0, y0, x1 - x0, y1 - y0))
    return out
