"""Skeletons of handwritten digits: a few allographs per digit, as the pen draws them.

Coordinates are in a unit-height box, x to the right and y downwards (0 = top, 1 = bottom);
widths are the digit's natural proportions (about 0.7-0.85). A stroke is one pen-down movement:
a smooth curve through its control points (centripetal Catmull-Rom), except at points marked as
corners, where the pen turns sharply. A closed stroke returns to its first point (loops of 0, 8,
9), so the renderer can leave a gap or overshoot where it closes, as real writers do.

Allograph weights are rough priors of how often each form occurs in Western handwriting; they
need not sum to one. Adding a form is adding one entry here. The commented forms after the first
ones of 2, 5, 6 and 8 were drawn from misclassified real digits of a development split (the
README's real-data section says which), never from the split the accuracy is quoted on.
"""

from __future__ import annotations

from dataclasses import dataclass

CORNER = True  # marks a control point where the pen changes direction abruptly


@dataclass(frozen=True)
class Stroke:
    """One pen-down movement.

    Attributes:
        points: control points ``(x, y)`` or ``(x, y, CORNER)`` in the unit-height box.
        closed: the curve returns to its first point (a loop).
    """

    points: tuple[tuple[float, ...], ...]
    closed: bool = False


@dataclass(frozen=True)
class Allograph:
    """One way of writing a digit: its strokes in pen order and its prior weight."""

    name: str
    strokes: tuple[Stroke, ...]
    weight: float = 1.0


def _s(*points: tuple[float, ...], closed: bool = False) -> Stroke:
    return Stroke(tuple(points), closed)


_ZERO_TOP = _s((0.4, 0.0), (0.16, 0.08), (0.03, 0.3), (0.0, 0.55), (0.1, 0.85), (0.38, 1.0),
               (0.64, 0.88), (0.76, 0.6), (0.74, 0.3), (0.62, 0.08), closed=True)
_ZERO_RIGHT = _s((0.66, 0.12), (0.38, 0.0), (0.08, 0.25), (0.04, 0.65), (0.3, 0.98), (0.6, 0.92),
                 (0.74, 0.55), closed=True)
_ONE_STEM = _s((0.5, 0.0), (0.5, 0.5), (0.5, 1.0))
_ONE_FLAG = _s((0.3, 0.2), (0.5, 0.0, CORNER), (0.5, 0.5), (0.5, 1.0))
_TWO_TOP = ((0.04, 0.24), (0.3, 0.02), (0.6, 0.04), (0.72, 0.3), (0.55, 0.58))
_THREE_LOWER = ((0.66, 0.6), (0.72, 0.84), (0.42, 1.0), (0.0, 0.88))
_FOUR_STEM = _s((0.64, 0.0), (0.63, 0.5), (0.61, 1.0))
_FIVE_BODY = ((0.12, 0.03, CORNER), (0.1, 0.25), (0.08, 0.47, CORNER), (0.42, 0.38),
              (0.7, 0.53), (0.72, 0.8), (0.45, 1.0), (0.0, 0.9))
_SIX_STEM_CURVED = ((0.66, 0.02), (0.3, 0.2), (0.08, 0.55), (0.15, 0.9), (0.42, 1.0))
_SEVEN_TOP = ((0.0, 0.05), (0.4, 0.03), (0.8, 0.02, CORNER))
_SEVEN_STEM = ((0.55, 0.5), (0.36, 1.0))
_EIGHT_UPPER = _s((0.36, 0.0), (0.1, 0.13), (0.15, 0.37), (0.38, 0.48), (0.62, 0.35),
                  (0.62, 0.1), closed=True)
_EIGHT_LOWER = _s((0.38, 0.48), (0.06, 0.66), (0.1, 0.92), (0.4, 1.0), (0.72, 0.86), (0.66, 0.58),
                  closed=True)
_NINE_LOOP = ((0.72, 0.16), (0.45, 0.0), (0.12, 0.12), (0.1, 0.38), (0.4, 0.5), (0.7, 0.36),
              (0.75, 0.05, CORNER))

TEMPLATES: dict[str, tuple[Allograph, ...]] = {
    "0": (
        Allograph("oval", (_ZERO_TOP,), 0.65),
        Allograph("oval-from-right", (_ZERO_RIGHT,), 0.35),
        Allograph("crossed-top", (_s((0.58, 0.06), (0.32, 0.0), (0.08, 0.2), (0.02, 0.55), (0.15, 0.88),
                                     (0.4, 1.0), (0.66, 0.85), (0.76, 0.5), (0.66, 0.16), (0.42, 0.03),
                                     (0.22, 0.1)),), 0.25),
    ),
    "1": (
        Allograph("stem", (_ONE_STEM,), 0.7),
        Allograph("flag", (_ONE_FLAG,), 0.2),
        Allograph("flag-base", (_ONE_FLAG, _s((0.2, 1.0), (0.5, 1.0), (0.8, 1.0))), 0.1),
    ),
    "2": (
        Allograph("flat-base", (_s(*_TWO_TOP, (0.0, 1.0, CORNER), (0.4, 0.97), (0.8, 1.0)),), 0.6),
        Allograph("looped", (_s(*_TWO_TOP[:4], (0.42, 0.62), (0.12, 0.9), (0.05, 0.72), (0.28, 0.68),
                                (0.5, 0.9), (0.8, 1.0)),), 0.2),
        Allograph("big-loop", (_s((0.06, 0.3), (0.2, 0.05), (0.48, 0.0), (0.7, 0.15), (0.68, 0.42),
                                  (0.4, 0.7), (0.12, 0.96), (0.0, 0.8), (0.08, 0.56), (0.32, 0.56),
                                  (0.46, 0.8), (0.56, 0.98), (0.85, 0.98)),), 0.2),
        Allograph("curly", (_s((0.1, 0.25), (0.35, 0.02), (0.65, 0.08), (0.72, 0.35), (0.6, 0.65),
                               (0.35, 0.97), (0.08, 0.88), (0.08, 0.62), (0.32, 0.56), (0.58, 0.74),
                               (0.86, 0.84)),), 0.15),
        Allograph("narrow", (_s((0.12, 0.16), (0.3, 0.0), (0.48, 0.1), (0.44, 0.38), (0.22, 0.72),
                                (0.04, 1.0, CORNER), (0.4, 0.98), (0.72, 1.0)),), 0.1),
        Allograph("angular", (_s((0.04, 0.12), (0.4, 0.0), (0.7, 0.14), (0.62, 0.4),
                                 (0.0, 1.0, CORNER), (0.8, 0.98)),), 0.2),
        # a sharp top corner, a long straight diagonal and a short base
        Allograph("z-shaped", (_s((0.05, 0.1), (0.35, 0.0), (0.7, 0.05, CORNER), (0.35, 0.55),
                                  (0.05, 0.98, CORNER), (0.4, 0.96), (0.7, 0.98)),), 0.15),
    ),
    "3": (
        Allograph("round", (_s((0.05, 0.15), (0.35, 0.0), (0.65, 0.1), (0.62, 0.35),
                               (0.3, 0.48, CORNER), *_THREE_LOWER),), 0.8),
        Allograph("flat-top", (_s((0.05, 0.03), (0.7, 0.02, CORNER), (0.3, 0.42, CORNER),
                                  *_THREE_LOWER),), 0.2),
    ),
    "4": (
        Allograph("open", (_s((0.08, 0.0), (0.05, 0.35), (0.05, 0.6, CORNER), (0.45, 0.6),
                              (0.85, 0.58)), _FOUR_STEM), 0.45),
        Allograph("closed", (_s((0.6, 1.0), (0.62, 0.5), (0.62, 0.0, CORNER), (0.3, 0.35),
                                (0.0, 0.68, CORNER), (0.45, 0.66), (0.85, 0.64)),), 0.25),
        Allograph("diagonal", (_s((0.45, 0.0), (0.2, 0.35), (0.0, 0.65, CORNER), (0.85, 0.62)),
                               _s((0.66, 0.25), (0.64, 0.6), (0.62, 1.0))), 0.3),
    ),
    "5": (
        Allograph("two-stroke", (_s(*_FIVE_BODY), _s((0.12, 0.03), (0.45, 0.02), (0.76, 0.0))),
                  0.55),
        Allograph("one-stroke", (_s((0.76, 0.0), (0.45, 0.02), *_FIVE_BODY),), 0.3),
        Allograph("curled", (_s(*_FIVE_BODY[:-1], (0.15, 0.98), (0.04, 0.82), (0.15, 0.7)),
                             _s((0.12, 0.03), (0.45, 0.02), (0.76, 0.0))), 0.15),
        Allograph("rounded", (_s((0.76, 0.0), (0.4, 0.03), (0.15, 0.1), (0.1, 0.3), (0.14, 0.46),
                                 (0.44, 0.38), (0.7, 0.53), (0.72, 0.8), (0.45, 1.0), (0.0, 0.9)),), 0.15),
        # a short stem and a big round bowl whose end curls back up; the bar added last
        Allograph("round-bowl", (_s((0.16, 0.0, CORNER), (0.13, 0.2), (0.1, 0.4, CORNER), (0.4, 0.33),
                                    (0.68, 0.44), (0.78, 0.7), (0.6, 0.95), (0.3, 1.0), (0.08, 0.9),
                                    (0.04, 0.76)),
                                 _s((0.16, 0.0), (0.48, 0.0), (0.78, 0.02))), 0.2),
        # the bar added last, high and to the right of a short, slanted stem
        Allograph("floating-bar", (_s((0.2, 0.1, CORNER), (0.14, 0.28), (0.1, 0.46, CORNER), (0.42, 0.38),
                                      (0.7, 0.53), (0.72, 0.8), (0.45, 1.0), (0.0, 0.9)),
                                   _s((0.3, 0.02), (0.6, 0.0), (0.9, -0.03))), 0.2),
    ),
    "6": (
        Allograph("curved", (_s(*_SIX_STEM_CURVED, (0.68, 0.85), (0.65, 0.6), (0.4, 0.5),
                                (0.12, 0.65)),), 0.4),
        Allograph("straight", (_s((0.58, 0.0), (0.32, 0.3), (0.12, 0.65), (0.25, 0.97), (0.55, 0.95),
                                  (0.66, 0.72), (0.45, 0.55), (0.15, 0.72)),), 0.2),
        Allograph("small-loop", (_s((0.58, 0.0), (0.32, 0.35), (0.16, 0.7), (0.2, 0.95), (0.45, 1.0),
                                    (0.65, 0.85), (0.6, 0.62), (0.36, 0.6), (0.18, 0.76)),), 0.25),
        Allograph("wide-loop", (_s((0.36, 0.0), (0.2, 0.3), (0.08, 0.62), (0.14, 0.88), (0.38, 1.0),
                                   (0.7, 0.92), (0.8, 0.7), (0.56, 0.52), (0.26, 0.56),
                                   (0.06, 0.74)),), 0.2),
        Allograph("upright", (_s((0.2, 0.0), (0.12, 0.4), (0.1, 0.78), (0.28, 1.0), (0.6, 0.96),
                                 (0.72, 0.72), (0.5, 0.52), (0.24, 0.56), (0.1, 0.72)),), 0.15),
        Allograph("crossed", (_s((0.26, 0.0), (0.16, 0.42), (0.16, 0.8), (0.36, 1.0), (0.7, 0.9),
                                 (0.76, 0.66), (0.52, 0.5), (0.22, 0.55), (0.0, 0.64)),), 0.15),
        Allograph("stem-and-loop", (_s((0.5, 0.0), (0.3, 0.45), (0.14, 0.96, CORNER), (0.45, 1.0),
                                       (0.64, 0.8), (0.44, 0.6), (0.18, 0.72)),), 0.2),
        Allograph("big-loop", (_s((0.66, 0.0), (0.36, 0.1), (0.12, 0.4), (0.06, 0.75), (0.3, 1.0),
                                  (0.62, 0.92), (0.72, 0.65), (0.5, 0.45), (0.2, 0.5), (0.08, 0.66)),),
                  0.15),
        # a tall stem into a small bottom loop whose end runs back across the stem
        Allograph("small-loop-crossed", (_s((0.64, 0.0), (0.4, 0.2), (0.22, 0.48), (0.16, 0.78),
                                            (0.3, 0.98), (0.54, 0.96), (0.62, 0.78), (0.46, 0.62),
                                            (0.22, 0.66), (0.0, 0.74)),), 0.3),
        # the loop curled to the right of the stem's foot, its end dropping back through it
        Allograph("curl-loop", (_s((0.5, 0.0), (0.28, 0.3), (0.12, 0.62), (0.1, 0.88), (0.25, 1.0),
                                   (0.5, 0.95), (0.7, 0.78), (0.68, 0.58), (0.5, 0.55), (0.38, 0.7),
                                   (0.46, 0.9), (0.6, 1.0)),), 0.3),
    ),
    "7": (
        Allograph("plain", (_s(*_SEVEN_TOP, *_SEVEN_STEM),), 0.55),
        Allograph("barred", (_s(*_SEVEN_TOP, *_SEVEN_STEM), _s((0.25, 0.52), (0.75, 0.5))), 0.15),
        Allograph("hooked", (_s((0.02, 0.24), (0.0, 0.05, CORNER), *_SEVEN_TOP[1:], *_SEVEN_STEM),),
                  0.15),
        Allograph("curved", (_s(*_SEVEN_TOP, (0.6, 0.35), (0.45, 0.65), (0.42, 1.0)),), 0.15),
    ),
    "8": (
        Allograph("one-stroke", (_s((0.62, 0.1), (0.35, 0.0), (0.1, 0.12), (0.15, 0.35), (0.4, 0.5),
                                    (0.68, 0.68), (0.62, 0.95), (0.3, 1.0), (0.05, 0.82),
                                    (0.2, 0.62), (0.45, 0.48), (0.68, 0.3), closed=True),), 0.5),
        Allograph("narrow-bottom", (_s((0.62, 0.1), (0.35, 0.0), (0.08, 0.12), (0.14, 0.36),
                                       (0.42, 0.52), (0.56, 0.74), (0.5, 0.96), (0.36, 0.98),
                                       (0.3, 0.82), (0.4, 0.6), (0.56, 0.44), (0.7, 0.28),
                                       closed=True),), 0.15),
        Allograph("narrow-top", (_s((0.52, 0.08), (0.4, 0.0), (0.28, 0.1), (0.32, 0.32),
                                    (0.45, 0.48), (0.7, 0.68), (0.62, 0.95), (0.3, 1.0), (0.04, 0.84),
                                    (0.16, 0.62), (0.42, 0.46), (0.56, 0.26), closed=True),), 0.15),
        Allograph("two-loops", (_EIGHT_UPPER, _EIGHT_LOWER), 0.3),
        # one stroke that stops short of its start: the top loop is left open
        Allograph("open-top", (_s((0.7, 0.06), (0.4, 0.0), (0.12, 0.14), (0.18, 0.38), (0.46, 0.52),
                                  (0.7, 0.72), (0.6, 0.95), (0.3, 1.0), (0.08, 0.84), (0.22, 0.62),
                                  (0.48, 0.45), (0.64, 0.28)),), 0.2),
    ),
    "9": (
        Allograph("straight-tail", (_s(*_NINE_LOOP, (0.73, 0.5), (0.7, 1.0)),), 0.55),
        Allograph("curved-tail", (_s(*_NINE_LOOP, (0.72, 0.5), (0.6, 0.88), (0.3, 1.0)),), 0.25),
        Allograph("loop-and-stem", (_s(*_NINE_LOOP[:6], closed=True),
                                    _s((0.74, 0.02), (0.73, 0.5), (0.7, 1.0))), 0.2),
        Allograph("open-loop", (_s((0.74, 0.1), (0.45, 0.0), (0.12, 0.12), (0.1, 0.38), (0.4, 0.5),
                                   (0.7, 0.4), (0.72, 0.7), (0.7, 1.0)),), 0.3),
    ),
}
