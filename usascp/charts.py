"""Plotly figures and the one colour palette every chart and map uses."""

from __future__ import annotations

# Okabe-Ito: distinguishable with the common forms of colour blindness, and in greyscale by order.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
NOT_DISCLOSED_GREY = "#8C8C8C"

COHORT_COLOURS = {
    "original_2018_pilot": PALETTE["blue"],
    "later_member": PALETTE["orange"],
}
COHORT_LABELS = {
    "original_2018_pilot": "Original 2018 pilot city",
    "later_member": "Joined since 2023",
}


def hex_to_rgb(colour: str, alpha: int = 255) -> list[int]:
    """ "#0072B2" -> [0, 114, 178, alpha], the form deck.gl layers take."""
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]
