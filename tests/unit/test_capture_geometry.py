"""The capture geometry (logical selections -> per-screen physical pieces -> one stitched image),
plus the Qt-free decisions in askshot.platform.capture: which backend to try, and macOS's Screen
Recording permission behind a fake."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from askshot.platform import geometry as g
from askshot.platform.geometry import Piece, Rect, Screen

# Two screens side by side: a 1000x800 logical screen at DPR 1 and one at DPR 2 on its right.
SIDE = [Screen(Rect(0, 0, 1000, 800), 1.0), Screen(Rect(1000, 0, 1000, 800), 2.0)]


def test_rect_from_points_in_any_order() -> None:
    assert Rect.from_points(110, 60, 10, 10) == Rect(10, 10, 100, 50)
    assert Rect.from_points(5, 5, 5, 9).empty


def test_selection_on_one_screen_at_dpr_1_is_a_plain_copy() -> None:
    plan = g.plan_crop(Rect(10, 20, 100, 50), SIDE)
    assert (plan.width, plan.height, plan.scale) == (100, 50, 1.0)
    assert plan.pieces == (Piece(0, Rect(10, 20, 100, 50), Rect(0, 0, 100, 50)),)


def test_selection_on_the_dpr_2_screen_doubles_in_physical_pixels() -> None:
    plan = g.plan_crop(Rect(1100, 50, 100, 50), SIDE)
    assert (plan.width, plan.height, plan.scale) == (200, 100, 2.0)
    assert plan.pieces == (Piece(1, Rect(200, 100, 200, 100), Rect(0, 0, 200, 100)),)
    assert g.physical_size(Rect(1100, 50, 100, 50), SIDE) == (200, 100)


def test_selection_across_dpr_1_and_2_renders_at_the_larger_ratio() -> None:
    plan = g.plan_crop(Rect(900, 100, 200, 100), SIDE)
    assert (plan.width, plan.height, plan.scale) == (400, 200, 2.0)
    assert plan.logical == Rect(900, 100, 200, 100)
    by_screen = {p.screen: p for p in plan.pieces}
    # the DPR-1 part: 100x100 source pixels, scaled up into 200x200 output pixels
    assert by_screen[0] == Piece(0, Rect(900, 100, 100, 100), Rect(0, 0, 200, 200))
    assert by_screen[1] == Piece(1, Rect(0, 200, 200, 200), Rect(200, 0, 200, 200))
    # low DPR painted first, the sharp screen last
    assert [p.screen for p in plan.pieces] == [0, 1]


def test_stacked_screens() -> None:
    screens = [Screen(Rect(0, 0, 1920, 1080)), Screen(Rect(0, 1080, 1920, 1080))]
    plan = g.plan_crop(Rect(100, 1000, 50, 200), screens)
    assert (plan.width, plan.height) == (50, 200)
    assert plan.pieces == (
        Piece(0, Rect(100, 1000, 50, 80), Rect(0, 0, 50, 80)),
        Piece(1, Rect(100, 0, 50, 120), Rect(0, 80, 50, 120)),
    )


def test_negative_coordinates_left_of_the_primary_screen() -> None:
    screens = [Screen(Rect(-1280, -200, 1280, 1024), 1.0), Screen(Rect(0, 0, 1280, 720), 1.5)]
    plan = g.plan_crop(Rect(-100, 10, 200, 20), screens)
    assert plan.scale == 1.5
    assert (plan.width, plan.height) == (300, 30)
    left, right = plan.pieces
    assert left == Piece(0, Rect(1180, 210, 100, 20), Rect(0, 0, 150, 30))
    assert right == Piece(1, Rect(0, 15, 150, 30), Rect(150, 0, 150, 30))


def test_whole_screen_at_dpr_1_25_is_its_full_image() -> None:
    screens = [Screen(Rect(0, 0, 1536, 864), 1.25)]
    assert screens[0].physical_size == (1920, 1080)
    plan = g.plan_crop(Rect(0, 0, 1536, 864), screens)
    assert (plan.width, plan.height) == (1920, 1080)
    assert plan.pieces == (Piece(0, Rect(0, 0, 1920, 1080), Rect(0, 0, 1920, 1080)),)


@pytest.mark.parametrize("dpr", [1.25, 1.5, 1.75])
def test_fractional_dpr_copies_without_resampling(dpr: float) -> None:
    screens = [Screen(Rect(0, 0, 1000, 600), dpr)]
    for sel in (Rect(1, 1, 1, 1), Rect(1, 1, 3, 3), Rect(7, 3, 101, 55), Rect(999, 599, 1, 1)):
        plan = g.plan_crop(sel, screens)
        (piece,) = plan.pieces
        assert (piece.source.w, piece.source.h) == (plan.width, plan.height)
        assert piece.target == Rect(0, 0, plan.width, plan.height)


def test_dpr_1_5_edges_round_half_up() -> None:
    plan = g.plan_crop(Rect(1, 1, 1, 1), [Screen(Rect(0, 0, 100, 100), 1.5)])
    # logical 1..2 -> physical 1.5..3 -> pixels 2..3
    assert plan.pieces == (Piece(0, Rect(2, 2, 1, 1), Rect(0, 0, 1, 1)),)


def test_adjacent_selections_share_their_physical_edge() -> None:
    screens = [Screen(Rect(0, 0, 1000, 600), 1.25)]
    a = g.plan_crop(Rect(0, 0, 3, 3), screens).pieces[0].source
    b = g.plan_crop(Rect(3, 0, 3, 3), screens).pieces[0].source
    assert a.right == b.x


def test_selection_partly_outside_every_screen_is_clipped() -> None:
    screens = [Screen(Rect(0, 0, 100, 100))]
    plan = g.plan_crop(Rect(50, 50, 100, 100), screens)
    assert plan.logical == Rect(50, 50, 50, 50)
    assert (plan.width, plan.height) == (50, 50)
    plan = g.plan_crop(Rect(-20, -20, 40, 40), screens)
    assert plan.pieces == (Piece(0, Rect(0, 0, 20, 20), Rect(0, 0, 20, 20)),)


def test_selection_outside_all_screens_or_empty_gives_nothing() -> None:
    assert g.plan_crop(Rect(5000, 5000, 10, 10), SIDE).empty
    assert g.plan_crop(Rect(10, 10, 0, 10), SIDE).empty
    assert g.plan_crop(Rect(10, 10, 10, 0), SIDE).empty
    assert g.physical_size(Rect(10, 10, 0, 0), SIDE) == (0, 0)


def test_l_shaped_layout_leaves_a_gap_for_space_on_no_screen() -> None:
    screens = [Screen(Rect(0, 0, 100, 100)), Screen(Rect(100, 50, 100, 100))]
    plan = g.plan_crop(Rect(50, 0, 100, 150), screens)
    assert plan.logical == Rect(50, 0, 100, 150)
    assert (plan.width, plan.height) == (100, 150)
    assert {p.target for p in plan.pieces} == {Rect(0, 0, 50, 100), Rect(50, 50, 50, 100)}


def test_mirrored_screens_paint_the_sharpest_last() -> None:
    screens = [Screen(Rect(0, 0, 100, 100), 2.0), Screen(Rect(0, 0, 100, 100), 1.0)]
    plan = g.plan_crop(Rect(0, 0, 10, 10), screens)
    assert plan.scale == 2.0
    assert [p.screen for p in plan.pieces] == [1, 0]


def test_source_is_clamped_to_a_smaller_image() -> None:
    screens = [Screen(Rect(0, 0, 100, 100), 2.0, image_size=(199, 199))]
    plan = g.plan_crop(Rect(0, 0, 100, 100), screens)
    assert plan.pieces[0].source == Rect(0, 0, 199, 199)
    assert (plan.width, plan.height) == (200, 200)


LAYOUTS = [
    SIDE,
    [Screen(Rect(-1280, -200, 1280, 1024), 1.0), Screen(Rect(0, 0, 1536, 864), 1.25)],
    [Screen(Rect(0, 0, 800, 600), 1.5), Screen(Rect(0, 600, 1200, 900), 1.0)],
]


@given(
    layout=st.sampled_from(LAYOUTS),
    x=st.integers(-2000, 2500),
    y=st.integers(-500, 2000),
    w=st.integers(0, 3000),
    h=st.integers(0, 3000),
)
def test_pieces_always_stay_inside_their_images_and_the_output(
    layout: list[Screen], x: int, y: int, w: int, h: int
) -> None:
    plan = g.plan_crop(Rect(x, y, w, h), layout)
    out = Rect(0, 0, plan.width, plan.height)
    for piece in plan.pieces:
        pw, ph = layout[piece.screen].physical_size
        assert piece.source.intersected(Rect(0, 0, pw, ph)) == piece.source
        assert piece.target.intersected(out) == piece.target
        if layout[piece.screen].dpr == plan.scale:
            assert (piece.source.w, piece.source.h) == (piece.target.w, piece.target.h)
    if not plan.empty:
        assert plan.logical.intersected(Rect(x, y, w, h)) == plan.logical


# -- keyboard helpers ----------------------------------------------------------------------------


def test_nudge_stops_at_the_edges() -> None:
    bounds = Rect(0, 0, 100, 100)
    assert g.nudge(Rect(10, 10, 20, 20), -1, 0, bounds) == Rect(9, 10, 20, 20)
    assert g.nudge(Rect(0, 0, 20, 20), -10, -10, bounds) == Rect(0, 0, 20, 20)
    assert g.nudge(Rect(75, 75, 20, 20), 10, 10, bounds) == Rect(80, 80, 20, 20)


def test_resize_keeps_at_least_a_pixel_and_stays_inside() -> None:
    bounds = Rect(0, 0, 100, 100)
    assert g.resize(Rect(10, 10, 20, 20), 1, 0, bounds) == Rect(10, 10, 21, 20)
    assert g.resize(Rect(10, 10, 2, 2), -10, -10, bounds) == Rect(10, 10, 1, 1)
    assert g.resize(Rect(90, 90, 5, 5), 10, 10, bounds) == Rect(90, 90, 10, 10)


def test_keep_inside_moves_then_shrinks() -> None:
    bounds = Rect(-100, 0, 200, 100)
    assert g.keep_inside(Rect(-150, 10, 50, 50), bounds) == Rect(-100, 10, 50, 50)
    assert g.keep_inside(Rect(0, 0, 500, 50), bounds) == Rect(-100, 0, 200, 50)


def test_default_selection_is_centred() -> None:
    assert g.default_selection(Rect(1000, 0, 1000, 800)) == Rect(1250, 200, 500, 400)


def test_screen_at_and_nearest_screen() -> None:
    assert g.screen_at(999, 0, SIDE) == 0
    assert g.screen_at(1000, 0, SIDE) == 1
    assert g.screen_at(-1, 0, SIDE) is None
    assert g.nearest_screen(-50, 100, SIDE) == 0
    assert g.nearest_screen(2500, 900, SIDE) == 1
    assert g.virtual_rect(SIDE) == Rect(0, 0, 2000, 800)


# -- native (X11) rectangles and the portal's desktop image ---------------------------------------


def test_native_window_on_a_dpr_2_screen_maps_to_logical() -> None:
    # Qt 6 keeps a screen's top-left in both systems and scales only the size.
    screens = [Screen(Rect(0, 0, 1000, 800), 1.0), Screen(Rect(1000, 0, 1000, 800), 2.0)]
    assert g.native_to_logical(Rect(1200, 100, 400, 200), screens) == Rect(1100, 50, 200, 100)
    assert g.native_to_logical(Rect(10, 10, 50, 50), screens) == Rect(10, 10, 50, 50)
    assert g.native_to_logical(Rect(5000, 5000, 10, 10), screens) is None
    assert g.native_to_logical(Rect(0, 0, 0, 10), screens) is None


def test_native_window_straddling_screens_uses_the_larger_overlap() -> None:
    screens = [Screen(Rect(0, 0, 100, 100)), Screen(Rect(100, 0, 100, 100))]
    # centre at (105, 50) is on screen 1
    assert g.native_to_logical(Rect(60, 0, 90, 100), screens) == Rect(60, 0, 90, 100)


def test_split_desktop_image_per_screen() -> None:
    screens = [Screen(Rect(0, 0, 1000, 800)), Screen(Rect(1000, 0, 1000, 800))]
    assert g.split_desktop_image(4000, 1600, screens) == [
        Rect(0, 0, 2000, 1600),
        Rect(2000, 0, 2000, 1600),
    ]
    negative = [Screen(Rect(-500, 0, 500, 400)), Screen(Rect(0, 0, 500, 400))]
    assert g.split_desktop_image(1000, 400, negative)[1] == Rect(500, 0, 500, 400)


# -- decisions in askshot.platform.capture ------------------------------------------------------


def test_backend_order_per_platform() -> None:
    from askshot.platform.capture import backend_order

    assert backend_order("xcb", {"XDG_SESSION_TYPE": "x11"}, "linux") == ["qt", "portal"]
    assert backend_order("wayland", {}, "linux") == ["portal"]
    assert backend_order("xcb", {"WAYLAND_DISPLAY": "wayland-0"}, "linux") == ["portal"]
    assert backend_order("windows", {}, "win32") == ["qt"]
    assert backend_order("cocoa", {}, "darwin") == ["qt"]


class FakePermission:
    def __init__(self, granted: bool, grant_on_request: bool) -> None:
        self.granted = granted
        self.grant_on_request = grant_on_request
        self.requests = 0

    def preflight(self) -> bool:
        return self.granted

    def request(self) -> bool:
        self.requests += 1
        self.granted = self.granted or self.grant_on_request
        return self.granted


def test_screen_recording_already_allowed_does_not_ask() -> None:
    from askshot.platform.capture import ensure_screen_recording

    perm = FakePermission(granted=True, grant_on_request=False)
    ensure_screen_recording(perm)
    assert perm.requests == 0


def test_screen_recording_asks_once_and_passes_when_granted() -> None:
    from askshot.platform.capture import ensure_screen_recording

    perm = FakePermission(granted=False, grant_on_request=True)
    ensure_screen_recording(perm)
    assert perm.requests == 1


def test_screen_recording_refused_says_where_to_allow_it() -> None:
    from askshot.core.errors import AskshotError
    from askshot.platform.capture import CaptureError, ensure_screen_recording

    perm = FakePermission(granted=False, grant_on_request=False)
    with pytest.raises(CaptureError) as info:
        ensure_screen_recording(perm)
    assert isinstance(info.value, AskshotError)
    assert "Privacy & Security" in info.value.message
    assert "Screen Recording" in info.value.message
